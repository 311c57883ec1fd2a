/** ali-ons 3.12.0 ships no types: the few members the cluster tests use (rocketmq-protocol.md §4). */
import type { ExecutionContext } from 'ava';
import { createRequire } from 'node:module';

export interface OnsMessage {
  readonly msgId: string;
  readonly body: Buffer;
  readonly tags: string;
}
export interface OnsProducer {
  ready(): Promise<void>;
  send(msg: unknown): Promise<{ sendStatus: string; msgId: string; messageQueue: { brokerName: string } }>;
  on(event: 'error', listener: (err: unknown) => void): void;
  close(): Promise<void>;
}
export interface OnsConsumer {
  ready(): Promise<void>;
  subscribe(topic: string, expr: string, handler: (msg: OnsMessage) => Promise<void>): void;
  on(event: 'error', listener: (err: unknown) => void): void;
  close(): Promise<void>;
}
export interface AliOns {
  Producer: (new (options: Record<string, unknown>) => OnsProducer) & { getDefaultProducer(): Promise<OnsProducer> };
  Consumer: new (options: Record<string, unknown>) => OnsConsumer;
  Message: new (topic: string, tags: string, body: string | Buffer) => unknown;
}
export const ons = createRequire(import.meta.url)('ali-ons') as AliOns;

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/**
 * ali-ons options for tests: its scheduled tasks sleep on ref'd timers close() cannot cancel
 * (mq_client.js startScheduledTask), so short intervals let the worker exit soon after close().
 */
export function onsOptions(nameSrv: string | readonly string[]): Record<string, unknown> {
  const timers = { pollNameServerInteval: 500, heartbeatBrokerInterval: 500, persistConsumerOffsetInterval: 500, rebalanceInterval: 500, pullTimeDelayMillsWhenException: 200 };
  return { nameSrv: typeof nameSrv === 'string' ? nameSrv : [...nameSrv], httpclient: {}, clientIP: '127.0.0.1', logger: quiet, ...timers };
}

/** Close ali-ons clients in teardown, including the consumer's static CLIENT_INNER_PRODUCER. */
export function closeOnsInTeardown(t: ExecutionContext, clients: ReadonlyArray<{ close(): Promise<void> }>): void {
  t.teardown(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await (await ons.Producer.getDefaultProducer()).close().catch(() => undefined);
  });
}
