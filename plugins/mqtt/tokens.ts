import { token, type Token } from '../../kernel/tokens.js';

/** The MQTT door: where it really listens (port 0 in tests picks a free one). */
export interface MqttDoorInfo {
  /** undefined until the door listens (and after it stopped). */
  address(): { host: string; port: number } | undefined;
}

export const MQTT_DOOR: Token<MqttDoorInfo> = token<MqttDoorInfo>('cometmq:mqtt/MqttDoor');
