import { token, type Token } from '../../kernel/tokens.js';

/** The MQTT door: where it really listens (port 0 in tests picks a free one). */
export interface MqttDoorInfo {
  /** undefined until the door listens (and after it stopped). */
  address(): { host: string; port: number } | undefined;
  /** A session as the broker holds it (admin, tests): undefined when there is none for the client id. */
  session(clientId: string): MqttSessionInfo | undefined;
}

export interface MqttSessionInfo {
  readonly clientId: string;
  readonly connected: boolean;
  readonly persistent: boolean;
  /** Subscribed filters as the client gave them. */
  readonly subscriptions: readonly string[];
  /** QoS 1/2 deliveries waiting for the client's acknowledgement. */
  readonly inflight: number;
}

export const MQTT_DOOR: Token<MqttDoorInfo> = token<MqttDoorInfo>('cometmq:mqtt/MqttDoor');
