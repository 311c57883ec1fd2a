import type { ExecutionContext } from 'ava';
import { pino } from 'pino';
import type { Messaging } from '../../../kernel/messaging/api.js';
import { RecordView } from '../../../kernel/messaging/record.js';
import { RequestCode } from '../../../kernel/protocol/remoting/codes.js';
import type { RemotingCommand, RequestInit } from '../../../kernel/protocol/remoting/command.js';
import { createRemotingClient, type RemotingClientImpl } from '../../../kernel/protocol/remoting/client.js';
import type { RemotingClientOptions } from '../../../kernel/protocol/remoting/transport.js';
import type { Kernel } from '../../../kernel/kernel.js';
import { MESSAGING } from '../../../kernel/tokens.js';
import { testKernel } from '../../../test/helpers/kernel-harness.js';
import { NATIVE_DOOR } from '../tokens.js';
import { toV2ExtFields, type SendHeader } from '../send-header.js';

export const BASE_LOAD = ['metadata-file', 'store-commitlog', 'flush-async', 'auth-allow-all', 'messaging', 'remoting'];

export interface BrokerHarness {
  readonly kernel: Kernel;
  readonly messaging: Messaging;
  readonly address: string;
  readonly client: RemotingClientImpl;
  /** invoke() on the broker with the harness client. */
  call(request: Omit<RequestInit, 'opaque'>, timeoutMs?: number): Promise<RemotingCommand>;
  /** A further client (its own connection), closed at teardown. */
  newClient(options?: RemotingClientOptions): RemotingClientImpl;
}

export interface HarnessOptions {
  readonly remoting?: Record<string, unknown>;
  readonly messaging?: Record<string, unknown>;
  readonly load?: readonly string[];
}

/** A kernel with the store, messaging and the native door on 127.0.0.1:0, plus a connected client. */
export async function brokerHarness(t: ExecutionContext, options: HarnessOptions = {}): Promise<BrokerHarness> {
  const { kernel } = await testKernel(t, {
    values: {
      load: [...(options.load ?? BASE_LOAD)],
      plugins: { remoting: { host: '127.0.0.1', port: 0, ...options.remoting }, messaging: { ...options.messaging } },
    },
  });
  await kernel.start();
  const bound = kernel.resolve(NATIVE_DOOR).address();
  if (bound === undefined) throw new Error('native door is not listening');
  const address = `127.0.0.1:${bound.port}`;
  const clients: RemotingClientImpl[] = [];
  const newClient = (o: RemotingClientOptions = {}): RemotingClientImpl => {
    const c = createRemotingClient({ requestTimeoutMs: 10_000, ...o }, pino({ level: 'silent' }));
    clients.push(c);
    return c;
  };
  // Clients close before the kernel stops (teardowns run in reverse order).
  t.teardown(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });
  const client = newClient();
  return {
    kernel,
    messaging: kernel.resolve(MESSAGING),
    address,
    client,
    call: (request, timeoutMs) => client.invoke(address, request, timeoutMs),
    newClient,
  };
}

export const enc = (s: string): Uint8Array => Buffer.from(s, 'utf8');

/** V2 send extFields the way ali-ons builds them (§2.4 captured example). */
export function v2(topic: string, fields: Partial<SendHeader> = {}): Record<string, string | number | boolean> {
  return toV2ExtFields({ producerGroup: 'PG1', topic, defaultTopic: 'TBW102', defaultTopicQueueNums: 4, queueId: 0, sysFlag: 0, bornTimestamp: Date.now(), flag: 0, reconsumeTimes: 0, unitMode: false, ...fields });
}

export async function sendV2(h: BrokerHarness, topic: string, body: string, fields: Partial<SendHeader> = {}): Promise<RemotingCommand> {
  return h.call({ code: RequestCode.SEND_MESSAGE_V2, extFields: v2(topic, fields), body: enc(body) });
}

/** Split a pull body (records back to back, §2.5 step 6) and decode each with the kernel record codec. */
export function decodeRecords(body: Uint8Array | undefined): RecordView[] {
  if (body === undefined) return [];
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const out: RecordView[] = [];
  for (let pos = 0; pos < buf.length; ) {
    const size = buf.readInt32BE(pos);
    out.push(new RecordView(buf.subarray(pos, pos + size)));
    pos += size;
  }
  return out;
}

export interface PullFields {
  readonly group?: string;
  readonly queueId?: number;
  readonly queueOffset: number;
  readonly maxMsgNums?: number;
  readonly sysFlag?: number;
  readonly commitOffset?: number;
  readonly suspendTimeoutMillis?: number;
  readonly subscription?: string;
  readonly subVersion?: number;
}

export function pullRequest(topic: string, f: PullFields): Omit<RequestInit, 'opaque'> {
  return {
    code: RequestCode.PULL_MESSAGE,
    extFields: {
      consumerGroup: f.group ?? 'CG1',
      topic,
      queueId: f.queueId ?? 0,
      queueOffset: f.queueOffset,
      maxMsgNums: f.maxMsgNums ?? 32,
      sysFlag: f.sysFlag ?? 4,
      commitOffset: f.commitOffset ?? 0,
      suspendTimeoutMillis: f.suspendTimeoutMillis ?? 0,
      subscription: f.subscription,
      subVersion: f.subVersion ?? 0,
    },
  };
}

/** The four offset fields every pull answer carries (§2.5 step 5). */
export function pullOffsets(r: RemotingCommand): { next: number; min: number; max: number; broker: string | undefined } {
  return { next: Number(r.extFields.nextBeginOffset), min: Number(r.extFields.minOffset), max: Number(r.extFields.maxOffset), broker: r.extFields.suggestWhichBrokerId };
}
