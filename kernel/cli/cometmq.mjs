#!/usr/bin/env -S node --v8-pool-size=1
// --v8-pool-size=1: one V8 GC helper thread instead of four, so a collection never takes every
// core from the clients and brokers beside it (docs/configuration.md "Node runtime flags").
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
