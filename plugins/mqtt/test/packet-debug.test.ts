import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';

/**
 * plugins/mqtt/patches (applied by `npm install` / `npm ci` through patch-package): mqtt-packet creates
 * its `debug` loggers only when DEBUG enables them at startup. Its parser and writer call them
 * several times per packet, which was half of their cost even when disabled.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** In a fresh process: the debug namespaces mqtt-packet creates while loading, under `env`. */
async function namespacesCreated(env: Record<string, string>): Promise<string[]> {
  const script = `
    const path = require('node:path');
    const debugPath = require.resolve('debug', { paths: [path.dirname(require.resolve('mqtt-packet'))] });
    const real = require(debugPath);
    const created = [];
    const counting = Object.assign((ns) => (created.push(ns), real(ns)), real);
    require.cache[debugPath].exports = counting;
    const mqtt = require('mqtt-packet');
    const parser = mqtt.parser();
    parser.parse(mqtt.generate({ cmd: 'puback', messageId: 1 }));
    process.stdout.write(JSON.stringify(created.filter((ns) => ns.startsWith('mqtt-packet:'))));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: ROOT, env: { ...process.env, DEBUG: '', ...env } });
  return JSON.parse(stdout) as string[];
}

test('mqtt-packet creates no debug loggers when DEBUG does not name it (the installed patch is applied)', async (t) => {
  t.deepEqual(await namespacesCreated({}), []);
  t.deepEqual(await namespacesCreated({ DEBUG: 'cometmq:*' }), []);
});

test('DEBUG=mqtt-packet:* still turns its debug output on', async (t) => {
  t.deepEqual((await namespacesCreated({ DEBUG: 'mqtt-packet:*' })).sort(), ['mqtt-packet:parser', 'mqtt-packet:writeToStream']);
});
