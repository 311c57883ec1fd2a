import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { WebSocketServer } from 'ws';

/**
 * Reference servers for the door benches, run as their own process (`node --import=tsx
 * bench/bare-servers.ts hono|ws`): the same libraries with no broker behind them. Prints
 * `listening <port>` once ready.
 *  - hono: POST /echo reads the body (1 KiB in the bench) and answers a small JSON object.
 *  - ws: on `{"op":"go","count":N,"bytes":B}` pushes N JSON frames with a base64 body of B bytes,
 *    at most `credits` unacked (the same credit rule as the broker's door), until acked.
 */
const kind = process.argv[2];

if (kind === 'hono') {
  const app = new Hono();
  app.post('/echo', async (c) => {
    const body = await c.req.arrayBuffer();
    return c.json({ ok: true, bytes: body.byteLength });
  });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => process.stdout.write(`listening ${info.port}\n`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
} else if (kind === 'ws') {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 }, () => {
    const a = wss.address();
    process.stdout.write(`listening ${typeof a === 'string' || a === null ? String(a) : a.port}\n`);
  });
  wss.on('connection', (socket) => {
    let left = 0;
    let out = 0;
    let credits = 0;
    let seq = 0;
    let body = '';
    const pump = (): void => {
      while (left > 0 && out < credits) {
        left--;
        out++;
        seq++;
        socket.send(JSON.stringify({ op: 'message', subscription: 's', handle: `h${seq}`, topic: 'T', queueId: 0, queueOffset: seq, msgId: `m${seq}`, body, encoding: 'base64' }));
      }
    };
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { op: string; count?: number; bytes?: number; credits?: number };
      if (frame.op === 'go') {
        left = frame.count ?? 0;
        credits = frame.credits ?? 256;
        body = Buffer.alloc(frame.bytes ?? 1024, 97).toString('base64');
        pump();
      } else if (frame.op === 'ack') {
        out--;
        pump();
      }
    });
  });
  process.on('SIGTERM', () => wss.close(() => process.exit(0)));
} else {
  process.stderr.write('usage: bare-servers.ts hono|ws\n');
  process.exit(2);
}
