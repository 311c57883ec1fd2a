import test from 'ava';
import type { IPublishPacket } from 'mqtt-packet';
import { PROPERTY } from '../../kernel/messaging/message.js';
import { encodeProperties, mergeProperties } from '../../kernel/messaging/record.js';
import { PublishTemplates, toProduce } from './mapping.js';

const publish = (topic: string, qos: 0 | 1 | 2, retain: boolean, properties?: IPublishPacket['properties']): IPublishPacket => ({
  cmd: 'publish',
  topic,
  payload: Buffer.from('x'),
  qos,
  retain,
  dup: false,
  ...(properties === undefined ? {} : { properties }),
});

/** The properties a request is stored with (what the store merges from its fields). */
const stored = (r: ReturnType<typeof toProduce>): Record<string, string> => {
  if (!r.ok) throw new Error(r.reason);
  return { ...mergeProperties(r.request.properties, r.request.tags, r.request.keys) };
};

test('a PUBLISH stores the same properties with or without the connection templates', (t) => {
  const templates = new PublishTemplates('dev-1');
  for (const [topic, qos, retain] of [['plant/boiler/temp', 1, false], ['plant', 0, true], ['plant/pump', 2, true]] as const) {
    const plain = toProduce(topic, publish(topic, qos, retain), 'dev-1', 0);
    const shared = toProduce(topic, publish(topic, qos, retain), 'dev-1', 0, templates);
    t.deepEqual(stored(shared), stored(plain), topic);
    t.true(shared.ok && shared.request.topic === 'plant' && shared.request.shardingKey === topic);
  }
});

test('templates: one frozen set per topic, QoS and retain flag; a PUBLISH with MQTT 5 properties gets its own', (t) => {
  const templates = new PublishTemplates('dev-1');
  const a = toProduce('plant/boiler', publish('plant/boiler', 1, false), 'dev-1', 0, templates);
  const b = toProduce('plant/boiler', publish('plant/boiler', 1, false), 'dev-1', 0, templates);
  const c = toProduce('plant/boiler', publish('plant/boiler', 2, false), 'dev-1', 0, templates);
  const v5 = toProduce('plant/boiler', publish('plant/boiler', 1, false, { contentType: 'text/plain' }), 'dev-1', 0, templates);
  if (!a.ok || !b.ok || !c.ok || !v5.ok) return t.fail();
  t.is(a.request.properties, b.request.properties);
  t.true(Object.isFrozen(a.request.properties));
  t.not(a.request.properties, c.request.properties);
  t.is(a.request.properties?.[PROPERTY.TAGS], 'boiler');
  t.is(v5.request.properties?.MQTT_CONTENT_TYPE, 'text/plain');
  t.false(Object.isFrozen(v5.request.properties));
  t.is(encodeProperties(a.request.properties!).includes('MQTT_PUBLISHER\u0001dev-1'), true);
});
