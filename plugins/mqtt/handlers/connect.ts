import { randomUUID } from 'node:crypto';
import type { IConnackPacket, IConnectPacket, IPublishPacket } from 'mqtt-packet';
import { CONNACK_V3, RC } from '../codes.js';
import type { Connection, Will } from '../connection.js';
import { checkTopicName } from '../topics.js';

/** MQTT 5 §3.1.2.11.2: 0xFFFFFFFF means the session does not expire. */
const NEVER_EXPIRES = 0xffffffff;
/** MQTT 3.1.1 §3.1.3.1 allows 1–23 characters of [0-9a-zA-Z]; servers may accept more. We accept any UTF-8 without control separators. */
const CLIENT_ID_INVALID = /[\u0000-\u001f]/;

/**
 * CONNECT (MQTT 3.1.1 §3.1, MQTT 5 §3.1): protocol level, client identifier rules, clean start and
 * session expiry, keep-alive, will, Receive Maximum; takes over a connection with the same client
 * id (§3.1.4), opens or resumes the session and answers CONNACK.
 */
export function onConnect(c: Connection, p: IConnectPacket): void {
  const v = p.protocolVersion === 5 ? 5 : p.protocolVersion === 3 ? 3 : 4;
  c.setProtocolVersion(v);
  c.beginConnect();
  c.ordered(() => connect(c, p, v));
}

async function connect(c: Connection, p: IConnectPacket, v: 3 | 4 | 5): Promise<void> {
  const { config } = c.broker.deps;
  const refuse = (v5: number, v3: number, reason: string): void => {
    c.send(v === 5 ? { cmd: 'connack', reasonCode: v5, sessionPresent: false, properties: { reasonString: reason } } : { cmd: 'connack', returnCode: v3, sessionPresent: false });
    c.close(`CONNECT refused: ${reason}`);
  };
  if (p.properties?.authenticationMethod !== undefined) return refuse(RC.BAD_AUTHENTICATION_METHOD, CONNACK_V3.NOT_AUTHORIZED, 'enhanced authentication is not supported');
  const clean = p.clean !== false;
  let clientId = p.clientId ?? '';
  let assigned: string | undefined;
  if (clientId.length === 0) {
    // §3.1.3.1 (3.1.1): an empty id needs CleanSession=1; MQTT 5 assigns one either way.
    if (v !== 5 && !clean) return refuse(RC.CLIENT_IDENTIFIER_NOT_VALID, CONNACK_V3.IDENTIFIER_REJECTED, 'an empty client id needs a clean session');
    clientId = assigned = `auto-${randomUUID()}`;
  }
  if (CLIENT_ID_INVALID.test(clientId)) return refuse(RC.CLIENT_IDENTIFIER_NOT_VALID, CONNACK_V3.IDENTIFIER_REJECTED, 'the client id contains control characters');
  const will = checkWill(p, v);
  if (typeof will === 'string') return refuse(RC.TOPIC_NAME_INVALID, CONNACK_V3.SERVER_UNAVAILABLE, will);

  // Session expiry: MQTT 5 asks for it; MQTT 3.1.1 CleanSession=0 sessions get the configured maximum.
  const maxExpiry = config.maxSessionExpirySecs;
  const askedSecs = v === 5 ? (p.properties?.sessionExpiryInterval ?? 0) : clean ? 0 : maxExpiry;
  const expirySecs = askedSecs === NEVER_EXPIRES ? maxExpiry : Math.min(askedSecs, maxExpiry);

  let keepAlive = p.keepalive ?? 0;
  let serverKeepAlive: number | undefined;
  if (config.maxKeepAliveSecs > 0 && (keepAlive === 0 || keepAlive > config.maxKeepAliveSecs)) {
    keepAlive = serverKeepAlive = config.maxKeepAliveSecs;
  }
  // MQTT 5 §3.1.2.11.3: never more unacknowledged than the client's Receive Maximum (and our own cap).
  if (v === 5) c.inflightLimit = Math.min(p.properties?.receiveMaximum ?? 65_535, config.maxInflight);

  c.clientId = clientId;
  c.will = will;
  const previous = c.broker.owners.get(clientId);
  if (previous !== undefined) previous.takeOver();
  const { session, present } = await c.broker.openSession(clientId, { clean, expiryMs: expirySecs * 1000, protocolVersion: v });
  const ack: IConnackPacket =
    v === 5
      ? {
          cmd: 'connack',
          reasonCode: RC.SUCCESS,
          sessionPresent: present,
          properties: {
            ...(askedSecs !== expirySecs ? { sessionExpiryInterval: expirySecs } : {}),
            receiveMaximum: config.receiveMaximum,
            maximumPacketSize: config.maxPacketBytes,
            topicAliasMaximum: config.topicAliasMaximum,
            retainAvailable: true,
            wildcardSubscriptionAvailable: true,
            subscriptionIdentifiersAvailable: true,
            sharedSubscriptionAvailable: true,
            ...(assigned === undefined ? {} : { assignedClientIdentifier: assigned }),
            ...(serverKeepAlive === undefined ? {} : { serverKeepAlive }),
          },
        }
      : { cmd: 'connack', returnCode: CONNACK_V3.ACCEPTED, sessionPresent: present };
  if (!c.isOpen()) return;
  c.send(ack);
  c.session = session;
  c.broker.owners.set(clientId, c);
  c.markConnected(keepAlive);
  session.attach(c);
}

/** The will of a CONNECT as a PUBLISH, or why it is refused (§3.1.2.5–§3.1.2.7, MQTT 5 §3.1.3.2). */
function checkWill(p: IConnectPacket, v: 3 | 4 | 5): Will | undefined | string {
  const w = p.will;
  if (w === undefined || w === null) return undefined;
  const check = checkTopicName(w.topic);
  if (!check.ok) return `will topic: ${check.reason}`;
  const payload = typeof w.payload === 'string' ? Buffer.from(w.payload) : Buffer.from(w.payload ?? []);
  const props = w.properties;
  const packet: IPublishPacket = {
    cmd: 'publish',
    topic: w.topic,
    payload,
    qos: w.qos ?? 0,
    retain: w.retain === true,
    dup: false,
    ...(v === 5 && props !== undefined
      ? {
          properties: {
            ...(props.contentType === undefined ? {} : { contentType: props.contentType }),
            ...(props.responseTopic === undefined ? {} : { responseTopic: props.responseTopic }),
            ...(props.correlationData === undefined ? {} : { correlationData: props.correlationData }),
            ...(props.messageExpiryInterval === undefined ? {} : { messageExpiryInterval: props.messageExpiryInterval }),
            ...(props.payloadFormatIndicator === undefined ? {} : { payloadFormatIndicator: props.payloadFormatIndicator }),
            ...(props.userProperties === undefined ? {} : { userProperties: props.userProperties }),
          },
        }
      : {}),
  };
  return { topic: w.topic, packet, delayMs: v === 5 ? (props?.willDelayInterval ?? 0) * 1000 : 0 };
}
