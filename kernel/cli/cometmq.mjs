#!/usr/bin/env -S node --v8-pool-size=1 --max-semi-space-size=32 --initial-old-space-size=128
// V8 flags (docs/configuration.md "Node runtime flags"): one GC helper thread instead of four, so a
// collection never takes every core from the clients and brokers beside it; a 32 MB young
// generation and a 128 MB initial old generation, so a broker's steady promotion does not set off a
// full mark-compact every second (the JVM brokers' -Xmn/-Xms, in Node's terms).
// The `cometmq` command. Runs the compiled CLI from dist/ when it was built (`npm run build`);
// otherwise registers tsx and runs the TypeScript sources, so `npm start` works right after `npm install`.
import { existsSync } from 'node:fs';

const compiled = new URL('../../dist/kernel/cli/main.js', import.meta.url);
let cli;
if (existsSync(compiled)) {
  cli = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('./main.ts', import.meta.url).href);
}
await cli.main(process.argv);
