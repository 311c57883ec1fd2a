/**
 * The one error registry. Every error CometMQ raises carries a stable `code` from this table;
 * docs/errors.md documents each row (a test checks the two agree). Codes are `AREA_WHAT`.
 */
export interface ErrorSpec {
  /** What went wrong, in one sentence. */
  readonly meaning: string;
  /** What the user or operator should do. */
  readonly action: string;
  /** HTTP status a door should answer with. */
  readonly httpStatus: number;
  /** RocketMQ remoting response code (shared/rocketmq-protocol.md §1.6). */
  readonly remotingCode: number;
}

const spec = (meaning: string, action: string, httpStatus: number, remotingCode: number): ErrorSpec => ({
  meaning,
  action,
  httpStatus,
  remotingCode,
});

export const ERRORS = {
  // ── configuration ──
  CONFIG_INVALID: spec('The configuration failed validation.', 'Fix every key named in the message.', 500, 1),
  CONFIG_FILE_UNREADABLE: spec('The --config file could not be read or parsed as JSON.', 'Check the path and the JSON syntax.', 500, 1),
  CONFIG_ENV_UNKNOWN: spec('A COMETMQ_* environment variable names no known config key.', 'Correct or unset the variable.', 500, 1),
  // ── plugins and lifecycle ──
  PLUGIN_NOT_FOUND: spec('A plugin named in `load` is neither built in nor a loadable module path.', 'Check the name or the path.', 500, 1),
  PLUGIN_INVALID: spec('A loaded module does not export a valid plugin (manifest + register).', 'Export `default` (or `plugin`) as a Plugin.', 500, 1),
  PLUGIN_DUPLICATE: spec('Two loaded plugins share a name.', 'Load each plugin once.', 500, 1),
  PLUGIN_MISSING_PROVIDER: spec('A plugin requires a token that no loaded plugin provides.', 'Load a plugin that provides it.', 500, 1),
  PLUGIN_DUPLICATE_PROVIDER: spec('Two loaded plugins provide the same token.', 'Load only one of them (e.g. one flush policy).', 500, 1),
  PLUGIN_CYCLE: spec('Plugin dependencies form a cycle.', 'Break the cycle; the message names it.', 500, 1),
  PLUGIN_PROVIDE_NOT_REGISTERED: spec('A plugin declared a token in `provides` but did not register it.', 'Register every provided token in register().', 500, 1),
  PLUGIN_HOOK_FAILED: spec('A plugin failed during register, init, start or stop.', 'See the cause; fix the plugin or its config.', 500, 1),
  PLUGIN_TOKEN_UNDECLARED: spec('A plugin provided or resolved a token its manifest does not declare.', 'Add the token to the manifest\'s provides, requires or optional.', 500, 1),
  KERNEL_STATE: spec('A kernel operation was called in the wrong lifecycle state.', 'Start before use; do not reuse a stopped kernel.', 503, 14),
  KERNEL_SHUTDOWN_TIMEOUT: spec('Graceful shutdown did not finish before its deadline.', 'Raise shutdownTimeoutMs or find the stuck plugin in the log.', 500, 1),
  SERVICE_UNAVAILABLE: spec('The broker is starting or shutting down.', 'Retry shortly, against this or another broker.', 503, 14),
  // ── topics and input ──
  TOPIC_NAME_INVALID: spec('The topic name is empty, longer than 127 characters, or has characters outside [%|a-zA-Z0-9_-].', 'Use a valid topic name.', 400, 13),
  TOPIC_NOT_FOUND: spec('The topic does not exist and auto-create is off.', 'Create the topic or turn autoCreateTopics on.', 404, 17),
  TOPIC_EXISTS: spec('The topic already exists.', 'Update it instead.', 409, 18),
  TOPIC_CONFIG_INVALID: spec('Queue counts or permissions are out of range.', 'Queue counts 1..1024; perm is a combination of 2 (write), 4 (read), 1 (inherit).', 400, 1),
  TOPIC_NOT_WRITABLE: spec('The topic (or broker) does not permit writes.', 'Grant write permission on the topic.', 403, 16),
  TOPIC_NOT_READABLE: spec('The topic (or broker) does not permit reads.', 'Grant read permission on the topic.', 403, 16),
  QUEUE_ID_INVALID: spec('The queue id is negative or not below the topic\'s queue count.', 'Use a queue id in range.', 400, 1),
  GROUP_NAME_INVALID: spec('The group name is empty, too long, or has invalid characters.', 'Use [%|a-zA-Z0-9_-], at most 255 characters.', 400, 1),
  GROUP_NOT_FOUND: spec('The subscription group does not exist and auto-create is off.', 'Create the group or turn autoCreateGroups on.', 404, 26),
  OFFSET_INVALID: spec('An offset is negative or not an integer.', 'Pass a non-negative integer offset.', 400, 1),
  MESSAGE_TOO_LARGE: spec('The message body exceeds maxMessageBytes.', 'Send a smaller body, or raise maxMessageBytes.', 413, 13),
  MESSAGE_PROPERTIES_TOO_LARGE: spec('The serialized properties exceed 32767 bytes.', 'Send fewer or shorter properties.', 400, 13),
  MESSAGE_PROPERTY_INVALID: spec('A property key or value contains the reserved separators U+0001 or U+0002, or a key is empty.', 'Remove the reserved characters.', 400, 13),
  MESSAGE_INVALID: spec('The message is malformed (missing body, bad field).', 'Fix the named field.', 400, 13),
  BATCH_REJECTED: spec('Another message of an all-or-nothing batch was rejected, so none was stored.', 'Fix or drop the message the error names and send the batch again.', 400, 13),
  MESSAGE_NOT_FOUND: spec('No message exists for that id or offset.', 'Check the id; it may have been removed by retention.', 404, 1),
  MSG_ID_INVALID: spec('The message id is not a valid CometMQ/RocketMQ message id.', 'Pass the msgId returned by a send.', 400, 1),
  // ── store ──
  STORE_IO: spec('The store failed to write to disk (I/O error or disk full); the send was not stored.', 'Free disk space or fix the disk; retry the send.', 503, 1),
  STORE_NOT_WRITABLE: spec('The store refuses writes (disk above the high-water mark, or shutting down).', 'Free disk space or wait for retention.', 503, 14),
  STORE_CLOSED: spec('The store is closed.', 'Start the broker.', 503, 14),
  STORE_CORRUPT: spec('A stored record failed validation (magic, size or CRC) outside recovery.', 'Report it; recovery truncates torn tails on restart.', 500, 1),
  STORE_FLUSH_TIMEOUT: spec('The message was written but the disk flush did not finish in time.', 'Check disk latency; the message may survive a crash.', 503, 10),
  STORE_LOCKED: spec('Another process holds this data directory.', 'Stop the other broker or use another dataDir.', 500, 1),
  STORE_DATA_DIR_INVALID: spec('The data directory cannot be created or written.', 'Fix the path or its permissions.', 500, 1),
  INDEX_IO: spec('The RocksDB message index failed.', 'See the cause; the index can be rebuilt from the log by deleting its folder.', 500, 1),
  INDEX_CURSOR_INVALID: spec('A query page cursor is malformed (it must be a nextCursor returned by a previous page).', 'Pass nextCursor unchanged, or omit it to start from the first page.', 400, 1),
  METADATA_IO: spec('Metadata (topics, groups, offsets) could not be read or written.', 'See the cause; check disk space and permissions.', 500, 1),
  METADATA_CORRUPT: spec('A metadata file is not valid JSON of the expected shape.', 'Restore it from its .bak copy or remove it.', 500, 1),
  // ── auth ──
  AUTH_UNAUTHENTICATED: spec('The request carries no valid credentials.', 'Send credentials.', 401, 1),
  AUTH_FORBIDDEN: spec('The identity may not perform this action on this resource.', 'Ask for a grant.', 403, 16),
  // ── command line ──
  CLI_NOT_IMPLEMENTED: spec('This command is planned but not implemented yet.', 'Use `cometmq start`; the message names the issue that adds the command.', 501, 3),
  // ── native protocol (remoting) ──
  REMOTING_FRAME_INVALID: spec('A remoting frame is malformed (bad length, header or extFields).', 'Fix the client; the connection is answered with an error or closed.', 400, 1),
  REMOTING_FRAME_TOO_LARGE: spec('A remoting frame exceeds the 16 MiB cap.', 'Send smaller frames; the connection is closed.', 413, 13),
  REMOTING_TIMEOUT: spec('A remoting request got no response in time.', 'Check that the peer is up; retry.', 504, 1),
  REMOTING_CONNECT_FAILED: spec('A TCP connection to a name server or broker could not be made or was lost.', 'Check the address and that the peer runs.', 503, 14),
  REMOTING_LISTEN_FAILED: spec('The remoting server could not listen on its host and port (port in use, bad address, no permission).', 'Free the port or change the configured host/port.', 500, 1),
  REMOTING_CONNECTION_OVERLOADED: spec('A connection has too many requests in flight or too much unread output.', 'Read responses; send fewer requests at once.', 503, 2),
  REMOTING_HEADER_INVALID: spec('A request lacks a required header field (extFields) or one is not a valid number.', 'Send every required field with a valid value; the remark names it.', 400, 1),
  TOPIC_NOT_ALLOWED: spec('Clients may not send to this internal system topic (SCHEDULE_TOPIC_XXXX, RMQ_SYS_TRANS_HALF_TOPIC, ...).', 'Send to a user topic.', 403, 1),
  // ── Node SDK (sdk-node) ──
  SDK_OPTION_INVALID: spec('A producer or consumer option is invalid (group name, topic, message, listener).', 'Fix the option named in the message.', 400, 1),
  SDK_NOT_STARTED: spec('The producer or consumer is not started, or has been shut down.', 'Call start() first; do not use a client after shutdown().', 503, 14),
  SDK_NAMESRV_UNAVAILABLE: spec('No name server address is configured, or no name server answered.', 'Pass namesrvAddr, set NAMESRV_ADDR or namesrvHttpUrl, and check that a name server runs.', 503, 14),
  SDK_ROUTE_NOT_FOUND: spec('The name servers know no route (or no writable/readable queue) for the topic.', 'Create the topic, or check that its brokers are registered.', 404, 17),
  SDK_BROKER_ERROR: spec('A broker answered a request with an error code (details.responseCode; remark as message).', 'See the remark; the code is the RocketMQ response code.', 502, 1),
  SDK_SEND_FAILED: spec('A send failed on every broker it was tried on.', 'Check the brokers; the cause is the last failure.', 503, 14),
  SDK_OFFSET_STORE_IO: spec('The local (broadcasting) offset file could not be read or written.', 'Check offsetStoreDir and its permissions.', 500, 1),
  // ── browser SDK (sdk-web) ──
  SDK_NETWORK_ERROR: spec('The browser SDK could not reach the broker (fetch failed or timed out, the answer was not CometMQ JSON), or the WebSocket dropped while a produce awaited its answer (it may or may not be stored).', 'Check the broker URL and that the broker runs; retry (delivery is at-least-once).', 503, 14),
  SDK_CONNECTION_CLOSED: spec('The broker closed the browser SDK\'s WebSocket with a code that forbids reconnecting (1008 policy/auth, 4000 protocol error); its subscriptions ended.', 'See closeCode and the broker log; fix credentials or the client, then subscribe again.', 503, 14),
  // ── name server and routes ──
  ROUTE_BODY_INVALID: spec('A broker registration, route or cluster-info body is not JSON of the expected shape (or fails its CRC).', 'Fix the sender; the message names the bad path.', 400, 1),
  NAMESRV_ADDR_INVALID: spec('A name server address list is not `host:port;host:port` (IPv4 or host name, port 1..65535).', 'Fix the option, NAMESRV_ADDR or the endpoint\'s answer.', 400, 1),
  NAMESRV_REGISTER_FAILED: spec('A name server did not accept this broker\'s registration (error answer, timeout or unreachable); the others are unaffected.', 'Check that name server; the broker retries every registerIntervalMs.', 503, 14),
  NAMESRV_ADDR_LOOKUP_FAILED: spec('The HTTP name server address endpoint failed, timed out or answered non-2xx.', 'Check the endpoint URL and that it serves `host:port;host:port`.', 503, 14),
  // ── generic ──
  // ── pop consumption (receipt handles) ──
  RECEIPT_HANDLE_INVALID: spec('The receipt handle is malformed or belongs to another group.', 'Pass a receiptHandle exactly as a receive returned it, with its group.', 400, 1),
  RECEIPT_HANDLE_EXPIRED: spec('The message was delivered again since this receipt handle was issued (its invisible time passed).', 'Process the newer delivery and ack it with its own handle.', 409, 1),
  POP_INFLIGHT_LIMIT: spec('The group has too many received, unacknowledged messages on this queue.', 'Ack or nack what you hold, or raise plugins.pop.maxInflightPerQueue.', 429, 2),
  POP_REQUEST_INVALID: spec('A pop request parameter is out of range (max 1…256, invisibleMs 1…43200000 or 0 for extend, waitMs 0…60000, delayLevel a non-negative integer).', 'Fix the parameter named in the message.', 400, 1),
  // ── HTTP and WebSocket doors ──
  HTTP_BODY_INVALID: spec('The request body or a parameter is not valid (bad JSON, wrong field type, out-of-range value).', 'Fix the field named in the message; /v1/openapi.json has the schema.', 400, 1),
  HTTP_BODY_TOO_LARGE: spec('The request body is larger than the limit.', 'Send smaller bodies or batches (limit: the broker\'s maxMessageBytes per message, plugins.http.maxBodyBytes per request).', 413, 13),
  HTTP_ROUTE_NOT_FOUND: spec('No endpoint at this path and method.', 'See /v1/openapi.json for the API.', 404, 1),
  HTTP_FORBIDDEN_REMOTE_ADMIN: spec('Admin writes are accepted only from loopback until credentials are configured.', 'Call from the broker host (127.0.0.1 / ::1).', 403, 16),
  HTTP_LISTEN_FAILED: spec('The HTTP door could not listen on its host and port (port in use, bad address, no permission).', 'Free the port or change plugins.http.host / plugins.http.port.', 500, 1),
  WS_PROTOCOL_ERROR: spec('A WebSocket frame is not valid JSON or not a known operation with valid fields.', 'Follow docs/websocket.md.', 400, 1),
  WS_SUBSCRIPTION_UNKNOWN: spec('The frame names a subscription this connection does not have.', 'Use the id returned by `subscribed`.', 400, 1),
  WS_SLOW_CLIENT: spec('The WebSocket client does not read fast enough; its send buffer passed the limit.', 'Read frames promptly or grant fewer credits.', 503, 2),
  MQTT_LISTEN_FAILED: spec('The MQTT door could not listen on its host and port (port in use, bad address, no permission).', 'Free the port or change plugins.mqtt.host / plugins.mqtt.port.', 500, 1),
  MQTT_PROPERTY_INVALID: spec('An MQTT 5 user property uses a reserved name (a store property or the MQTT_ prefix) or the separators U+0001/U+0002.', 'Rename the property (docs/mqtt.md "Mapping").', 400, 13),
  STOMP_LISTEN_FAILED: spec('The STOMP door could not listen on its host and port (port in use, bad address, no permission).', 'Free the port or change plugins.stomp.host / plugins.stomp.port.', 500, 1),
  INTERNAL: spec('An unexpected internal error.', 'Report it with the log lines around it.', 500, 1),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export interface CometErrorOptions {
  readonly cause?: unknown;
  /** Structured context for logs (never credentials). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The one error type. `code` is stable; `message` is for people. */
export class CometError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: CometErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CometError';
    this.code = code;
    this.details = options.details;
  }

  get httpStatus(): number {
    return ERRORS[this.code].httpStatus;
  }

  get remotingCode(): number {
    return ERRORS[this.code].remotingCode;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Readonly<Record<string, unknown>> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isCometError(e: unknown, code?: ErrorCode): e is CometError {
  return e instanceof CometError && (code === undefined || e.code === code);
}

/** Wrap a library error under a code, keeping it as `cause`. CometErrors pass through. */
export function wrapError(code: ErrorCode, message: string, cause: unknown): CometError {
  if (cause instanceof CometError) return cause;
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new CometError(code, `${message}${detail}`, { cause });
}

/** Programmer errors are assertions, not coded errors. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
