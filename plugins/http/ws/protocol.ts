import { z } from 'zod';

/**
 * The client frames of the WebSocket door (docs/websocket.md §2), one zod schema each. Unknown
 * fields are ignored (z.object strips them) so newer clients can talk to older servers.
 */

/** A client-chosen correlation id, echoed in answers and error frames (docs §1). */
export const frameIdSchema = z.union([z.string().max(256), z.number().finite()]);
export type FrameId = z.output<typeof frameIdSchema>;

/** Longest ack timeout / invisible time a subscription may ask for: 12 h, the pop service's bound. */
export const MAX_ACK_TIMEOUT_MS = 12 * 60 * 60 * 1000;

const outgoingMessageSchema = z.object({
  body: z.string(),
  encoding: z.enum(['utf8', 'base64']).default('utf8'),
  tag: z.string().optional(),
  keys: z.union([z.array(z.string()), z.string()]).optional(),
  properties: z.record(z.string(), z.string()).optional(),
  shardingKey: z.string().optional(),
  delayLevel: z.number().int().min(0).optional(),
});
export type OutgoingMessage = z.output<typeof outgoingMessageSchema>;

/** The batch bound comes from config (plugins.http.maxBatchMessages), checked by the handler. */
const produceSchema = z.object({
  op: z.literal('produce'),
  id: frameIdSchema,
  topic: z.string(),
  messages: z.array(outgoingMessageSchema).min(1),
});

const fromSchema = z.union([z.enum(['earliest', 'latest']), z.record(z.string().regex(/^\d+$/), z.number().int().min(0))]);
export type SubscribeFrom = z.output<typeof fromSchema>;

const subscribeSchema = z.object({
  op: z.literal('subscribe'),
  id: frameIdSchema,
  topic: z.string(),
  group: z.string().optional(),
  tags: z.string().default('*'),
  mode: z.enum(['clustering', 'broadcasting']).default('clustering'),
  credits: z.number().int().min(0),
  ackTimeoutMs: z.number().int().min(1).max(MAX_ACK_TIMEOUT_MS).optional(),
  from: fromSchema.optional(),
});

const subscriptionRef = {
  id: frameIdSchema.optional(),
  subscription: z.string(),
};

const ackSchema = z.object({ op: z.literal('ack'), ...subscriptionRef, handle: z.string().min(1) });
const nackSchema = z.object({
  op: z.literal('nack'),
  ...subscriptionRef,
  handle: z.string().min(1),
  delayLevel: z.number().int().min(0).optional(),
});
const creditSchema = z.object({ op: z.literal('credit'), ...subscriptionRef, credits: z.number().int().min(1) });
const unsubscribeSchema = z.object({ op: z.literal('unsubscribe'), ...subscriptionRef });

export const clientFrameSchema = z.discriminatedUnion('op', [produceSchema, subscribeSchema, ackSchema, nackSchema, creditSchema, unsubscribeSchema]);

export type ClientFrame = z.output<typeof clientFrameSchema>;
export type ProduceFrame = z.output<typeof produceSchema>;
export type SubscribeFrame = z.output<typeof subscribeSchema>;
export type AckFrame = z.output<typeof ackSchema>;
export type NackFrame = z.output<typeof nackSchema>;
export type CreditFrame = z.output<typeof creditSchema>;
export type UnsubscribeFrame = z.output<typeof unsubscribeSchema>;
export type ClientOp = ClientFrame['op'];

/** What a text frame turned out to be (docs §5 decides close 4000 vs an error frame). */
export type ParsedFrame =
  | { readonly kind: 'ok'; readonly frame: ClientFrame }
  /** A JSON object with an id: answer with an error frame, keep the connection. */
  | { readonly kind: 'invalid'; readonly id: FrameId; readonly subscription: string | undefined; readonly reason: string }
  /** Not a JSON object, or invalid without an id: close 4000. */
  | { readonly kind: 'fatal'; readonly reason: string };

export function parseClientFrame(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'fatal', reason: 'frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'fatal', reason: 'frame is not a JSON object' };
  }
  const parsed = clientFrameSchema.safeParse(value);
  if (parsed.success) return { kind: 'ok', frame: parsed.data };
  const reason = describeIssues(parsed.error);
  const raw = value as Record<string, unknown>;
  const id = frameIdSchema.safeParse(raw.id);
  if (!id.success) return { kind: 'fatal', reason };
  return { kind: 'invalid', id: id.data, subscription: typeof raw.subscription === 'string' ? raw.subscription : undefined, reason };
}

function describeIssues(error: z.ZodError): string {
  const first = error.issues[0];
  if (first === undefined) return 'invalid frame';
  const where = first.path.length === 0 ? 'frame' : first.path.join('.');
  return `${where}: ${first.message}`;
}

// ── server frames (docs §3) ───────────────────────────────────────────────────────────────────

export interface ErrorBody {
  readonly code: string;
  readonly message: string;
}

/** The fields of a delivered message, shared by the WebSocket `message` frame and SSE `data`. */
export interface MessageFields {
  readonly topic: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly msgId: string;
  readonly tag: string | null;
  readonly keys: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
  readonly body: string;
  readonly encoding: 'utf8' | 'base64';
  readonly deliveryAttempt: number;
  readonly bornTimestamp: number;
  readonly storeTimestamp: number;
}

export type ProduceResult = { readonly msgId: string; readonly queueId: number; readonly queueOffset: number } | { readonly error: ErrorBody };

export type ServerFrame =
  | { readonly op: 'produced'; readonly id: FrameId; readonly results: readonly ProduceResult[] }
  | { readonly op: 'subscribed'; readonly id: FrameId; readonly subscription: string }
  | ({ readonly op: 'message'; readonly subscription: string; readonly handle: string } & MessageFields)
  | { readonly op: 'error'; readonly id?: FrameId; readonly subscription?: string; readonly error: ErrorBody }
  | { readonly op: 'unsubscribed'; readonly subscription: string; readonly error: ErrorBody };

/** Close codes (docs §5). */
export const CLOSE = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  POLICY: 1008,
  INTERNAL: 1011,
  PROTOCOL: 4000,
  SLOW_CLIENT: 4008,
} as const;
