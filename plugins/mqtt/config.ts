import { z } from 'zod';

/** `plugins.mqtt` config slice (the MQTT 3.1.1 / 5.0 door). Every key has a default. */
export const mqttConfigSchema = z.strictObject({
  host: z.string().min(1).default('0.0.0.0'),
  /** 0 = pick a free port (tests); MQTT_DOOR.address() tells the real one. */
  port: z.number().int().min(0).max(65535).default(1883),
  /** Also serve MQTT over WebSocket at this path of the HTTP door ('' = off). */
  websocketPath: z.string().default('/mqtt'),
  /** Largest MQTT packet accepted (MQTT 5 Maximum Packet Size); larger → DISCONNECT 0x95 / close. */
  maxPacketBytes: z.number().int().min(1024).max(268_435_455).default(4 * 1024 * 1024 + 64 * 1024),
  /** A connection must send CONNECT within this time. */
  connectTimeoutMs: z.number().int().positive().default(10_000),
  /** Keep-alive a client asking for 0 (none) or more gets from the server (MQTT 5 Server Keep Alive); 0 = honour the client's. */
  maxKeepAliveSecs: z.number().int().min(0).max(65_535).default(0),
  /** QoS 1/2 deliveries in flight to one client (MQTT 5 clients may cap it lower with Receive Maximum). */
  maxInflight: z.number().int().min(1).max(65_535).default(4096),
  /** Receive Maximum the server announces: QoS 1/2 PUBLISHes a client may have unacknowledged. */
  receiveMaximum: z.number().int().min(1).max(65_535).default(1024),
  /** Topic Alias Maximum the server announces (inbound aliases per connection). */
  topicAliasMaximum: z.number().int().min(0).max(65_535).default(64),
  /** Longest session expiry the server grants (also the expiry of MQTT 3.1.1 persistent sessions). */
  maxSessionExpirySecs: z.number().int().min(0).default(7 * 24 * 3600),
  /**
   * Messages a persistent session may have waiting per subscribed CometMQ topic while its client is
   * offline; beyond it the oldest are skipped on reconnect (docs/mqtt.md "Offline queue").
   */
  maxOfflineMessages: z.number().int().positive().default(10_000),
  /** Retained messages kept; a retained PUBLISH beyond it is refused (quota exceeded). */
  maxRetained: z.number().int().positive().default(100_000),
  /** Unacknowledged shared-subscription deliveries are redelivered to the group after this time. */
  sharedAckTimeoutMs: z.number().int().positive().default(30_000),
  /** Bytes waiting in a connection's send buffer beyond which deliveries pause (backpressure). */
  maxPendingWriteBytes: z.number().int().positive().default(4 * 1024 * 1024),
  /** Where retained messages and persistent sessions live, relative to the data dir. */
  subfolder: z.string().min(1).default('mqtt'),
});

export type MqttConfig = z.output<typeof mqttConfigSchema>;

export function mqttConfig(input: z.input<typeof mqttConfigSchema> = {}): MqttConfig {
  return mqttConfigSchema.parse(input);
}
