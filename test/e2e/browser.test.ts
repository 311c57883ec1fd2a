import { readFile } from 'node:fs/promises';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { eventually } from '../helpers/wait.js';
import { call, httpBroker, type HttpBroker } from './http-helpers.js';

/**
 * The browser SDK in a real browser: headless Chromium (Debian's package, installed when missing)
 * opens the broker's own /sdk/demo.html, so the page, /sdk/cometmq.js, the REST API and /v1/ws share
 * one origin, and drives sdk-web through test/fixtures/browser/harness.js.
 */

const LOAD = ['metadata-file', 'store-commitlog', 'flush-async', 'auth-allow-all', 'messaging', 'pop', 'http'];
const HARNESS = path.resolve(import.meta.dirname, '../fixtures/browser/harness.js');
const WAIT_MS = 15_000;

interface Seen {
  readonly topic: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly msgId: string;
  readonly tag: string | null;
  readonly keys: string[];
  readonly properties: Record<string, string>;
  readonly bytes: number[];
  readonly deliveryAttempt: number;
}

interface Sent {
  readonly status: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly bytes: number[];
}

let browser: Browser | undefined;

test.before(async () => {
  browser = await launchChromium();
});

test.after.always(async () => {
  await browser?.close();
});

/** A broker and a page on its /sdk/demo.html with the harness loaded; both closed at teardown. */
async function brokerPage(t: ExecutionContext): Promise<{ broker: HttpBroker; page: Page; pageErrors: string[] }> {
  const broker = await httpBroker(t, { load: LOAD, messaging: { autoCreateTopics: true } });
  if (browser === undefined) throw new Error('no browser');
  const context = await browser.newContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const response = await page.goto(`${broker.base}/sdk/demo.html`);
  t.is(response?.status(), 200);
  // the demo page's own module loaded the SDK from /sdk/cometmq.js
  await page.waitForFunction('window.CometMQ !== undefined && typeof window.CometMQ.CometClient === "function"');
  await page.addScriptTag({ content: await readFile(HARNESS, 'utf8') });
  return { broker, page, pageErrors };
}

/** `window.cometTest.<fn>(args)` in the page (a string expression: nothing of Node's transpiler leaks in). */
function inPage<T>(page: Page, fn: string, args: unknown): Promise<T> {
  return page.evaluate(`window.cometTest.${fn}(${JSON.stringify(args)})`) as Promise<T>;
}

async function createTopic(broker: HttpBroker, topic: string): Promise<void> {
  await broker.messaging.topics.upsert({ topicName: topic, readQueueNums: 4, writeQueueNums: 4 });
}

test('a page served by the broker produces (fetch and WebSocket) and consumes with acks through sdk-web', async (t) => {
  const { broker, page, pageErrors } = await brokerPage(t);
  await createTopic(broker, 'BrowserRoundTrip');
  const count = 24;
  const { sent, received, errors } = await inPage<{ sent: Sent[]; received: Seen[]; errors: string[] }>(page, 'roundTrip', {
    topic: 'BrowserRoundTrip',
    group: 'browser-group',
    count,
    timeoutMs: WAIT_MS,
  });
  t.deepEqual(errors, []);
  t.is(sent.length, count);
  t.true(sent.every((s) => s.status === 'ok'));
  t.is(received.length, count);

  // every produced message arrived once, with its bytes (text, JSON and binary bodies)
  const key = (m: { queueId: number; queueOffset: number }): string => `${m.queueId}:${m.queueOffset}`;
  const byPosition = new Map(sent.map((s) => [key(s), s]));
  t.deepEqual(received.map(key).sort(), [...byPosition.keys()].sort());
  for (const m of received) t.deepEqual(m.bytes, byPosition.get(key(m))?.bytes, `body of ${key(m)}`);

  // in per-queue order, as produced
  const queues = new Set(received.map((m) => m.queueId));
  t.true(queues.size > 1, 'the messages spread over several queues');
  for (const q of queues) {
    const offsets = received.filter((m) => m.queueId === q).map((m) => m.queueOffset);
    t.deepEqual(offsets, [...offsets].sort((a, b) => a - b), `queue ${q} in order`);
  }
  t.true(received.every((m) => m.topic === 'BrowserRoundTrip' && m.deliveryAttempt === 1));
  const json = received.find((m) => m.tag === 'json');
  t.like(json?.properties, { n: String(JSON.parse(Buffer.from(json?.bytes ?? []).toString('utf8')).i) });
  t.true(received.some((m) => m.keys.length === 1 && m.keys[0]?.startsWith('k') === true));

  // everything was acked: nothing is left for the group
  const left = await call<{ messages: unknown[] }>(broker.base, 'POST', '/v1/groups/browser-group/topics/BrowserRoundTrip/receive', { max: 32, waitMs: 0 });
  t.deepEqual(left.body.messages, []);
  t.deepEqual(pageErrors, [], 'no uncaught errors in the page');
});

test('messages produced from Node over HTTP arrive in the page, and the page produces for a Node consumer', async (t) => {
  const { broker, page, pageErrors } = await brokerPage(t);
  await createTopic(broker, 'BrowserInterop');
  t.true(await inPage<boolean>(page, 'startReceive', { topic: 'BrowserInterop', group: 'page-group', count: 2, timeoutMs: WAIT_MS }));
  const binary = [0, 0xff, 0xfe, 7];
  const produced = await call<{ results: { msgId: string }[] }>(broker.base, 'POST', '/v1/topics/BrowserInterop/messages', {
    messages: [
      { body: 'from node ✓', tag: 'node', keys: ['order-1'], properties: { origin: 'node' } },
      { body: Buffer.from(binary).toString('base64'), encoding: 'base64' },
    ],
  });
  t.is(produced.status, 200);
  const got = await page.evaluate('window.cometTest.received()') as Seen[];
  const text = got.find((m) => m.tag === 'node');
  t.is(Buffer.from(text?.bytes ?? []).toString('utf8'), 'from node ✓');
  t.deepEqual(text?.keys, ['order-1']);
  t.is(text?.properties.origin, 'node');
  t.deepEqual(got.find((m) => m.tag === null)?.bytes, binary, 'a non-UTF-8 body arrives as the same bytes (base64 on the wire)');

  // the reverse: the page produces over the WebSocket, Node receives over HTTP (pop) and acks
  const fromPage = await inPage<{ status: string }[]>(page, 'produceWs', { topic: 'BrowserInterop', messages: [{ body: 'from the page', tag: 'page' }] });
  t.is(fromPage[0]?.status, 'ok');
  const messages = await eventually(async () => {
    const answer = await call<{ messages: { body: string; tag: string | null; receiptHandle: string }[] }>(broker.base, 'POST', '/v1/groups/node-group/topics/BrowserInterop/receive', {
      max: 8,
      waitMs: 1000,
      tags: 'page',
    });
    if (answer.body.messages.length === 0) throw new Error(`nothing received yet (${answer.status})`);
    return answer.body.messages;
  }, { timeoutMs: WAIT_MS });
  t.is(messages[0]?.body, 'from the page');
  const acked = await call(broker.base, 'POST', '/v1/groups/node-group/ack', { receiptHandles: messages.map((m) => m.receiptHandle) });
  t.is(acked.status, 200);
  t.deepEqual(pageErrors, [], 'no uncaught errors in the page');
});

test('the demo page works: its Subscribe and Produce buttons round-trip a message', async (t) => {
  const { broker, page, pageErrors } = await brokerPage(t);
  await createTopic(broker, 'DemoTopic');
  await page.click('#subscribe');
  await page.waitForSelector('#log :text("subscribed to DemoTopic")');
  await page.fill('#body', 'hello from the demo');
  await page.click('#produce');
  await page.waitForSelector('#log :text("produced")');
  const line = await page.waitForSelector('#log :text("hello from the demo")');
  t.regex((await line.textContent()) ?? '', /received queue \d+ offset \d+ attempt 1: hello from the demo/);
  await page.click('#unsubscribe');
  await page.waitForSelector('#log :text("subscription closed")');
  t.deepEqual(pageErrors, [], 'no uncaught errors in the page');
});
