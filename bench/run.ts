/**
 * Benchmark dispatcher: `npm run bench -- <name> [options]`. Each bench prints one JSON object per
 * line. Later benches add entries to BENCHES.
 */
const BENCHES: Record<string, () => Promise<{ main(argv: string[]): Promise<void> }>> = {
  store: () => import('./store.js'),
  native: () => import('./native.js'),
  http: () => import('./http.js'),
  ws: () => import('./ws.js'),
  mqtt: () => import('./mqtt.js'),
  stomp: () => import('./stomp.js'),
  'mqtt-codec': () => import('./mqtt-codec.js'),
};

const [name, ...rest] = process.argv.slice(2);
const load = name === undefined ? undefined : BENCHES[name];
if (!load) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(BENCHES).join('|')}> [--scenario NAME] [--count N | --duration SECS]\n`);
  process.exit(2);
}
await (await load()).main(rest);
