import test from 'ava';
import { isCometError } from '../../errors.js';
import { bodyCrc32, encodeRegisterBrokerBody, encodeTopicRouteData, parseRegisterBrokerBody, parseTopicRouteData } from './route.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

test('a register body round-trips; extra Java fields are accepted and dropped', (t) => {
  const body = {
    topicConfigSerializeWrapper: {
      topicConfigTable: { TopicA: { topicName: 'TopicA', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0, order: false } },
      dataVersion: { timestamp: 1, counter: 2 },
    },
    filterServerList: [],
  };
  t.deepEqual(parseRegisterBrokerBody(encodeRegisterBrokerBody(body)), body);
  const java = '{"topicConfigSerializeWrapper":{"topicConfigTable":{"T":{"topicName":"T","readQueueNums":1,"writeQueueNums":1,"perm":6,"topicFilterType":"SINGLE_TAG","attributes":{}}},"dataVersion":{"timestamp":1,"counter":0,"stateVersion":0}}}';
  const parsed = parseRegisterBrokerBody(enc(java));
  t.deepEqual(parsed.topicConfigSerializeWrapper.topicConfigTable.T, { topicName: 'T', readQueueNums: 1, writeQueueNums: 1, perm: 6, topicSysFlag: 0, order: false });
  t.deepEqual(parsed.filterServerList, []);
});

test('junk register bodies are ROUTE_BODY_INVALID naming the problem; __proto__ keys never reach the table', (t) => {
  const junk = ['', 'not json', '[]', '{"topicConfigSerializeWrapper":{}}', '{"topicConfigSerializeWrapper":{"topicConfigTable":{"T":{"topicName":"T","readQueueNums":-1,"writeQueueNums":1,"perm":6}},"dataVersion":{"timestamp":1,"counter":0}}}'];
  for (const text of junk) {
    const e = t.throws(() => parseRegisterBrokerBody(enc(text)), undefined, text);
    t.true(isCometError(e, 'ROUTE_BODY_INVALID'), text);
  }
  t.throws(() => parseRegisterBrokerBody(new Uint8Array([0xff, 0xfe])), { message: /not UTF-8/ });
  const proto = '{"topicConfigSerializeWrapper":{"topicConfigTable":{"__proto__":{"topicName":"x","readQueueNums":1,"writeQueueNums":1,"perm":6}},"dataVersion":{"timestamp":1,"counter":0}}}';
  const parsed = parseRegisterBrokerBody(enc(proto));
  t.deepEqual(Object.keys(parsed.topicConfigSerializeWrapper.topicConfigTable), []);
  t.is(({} as Record<string, unknown>).readQueueNums, undefined);
});

test('route parser accepts our encoding and fastjson unquoted numeric keys', (t) => {
  const route = { orderTopicConf: null, queueDatas: [{ brokerName: 'b', readQueueNums: 1, writeQueueNums: 1, perm: 6, topicSysFlag: 0 }], brokerDatas: [{ cluster: 'c', brokerName: 'b', brokerAddrs: { '0': '1.2.3.4:5', '1': '1.2.3.4:6' } }], filterServerTable: {} };
  t.deepEqual(parseTopicRouteData(encodeTopicRouteData(route)), route);
  const fast = '{"brokerDatas":[{"brokerAddrs":{0:"1.2.3.4:5",1:"1.2.3.4:6"},"brokerName":"b","cluster":"c"}],"filterServerTable":{},"queueDatas":[{"brokerName":"b","perm":6,"readQueueNums":1,"topicSynFlag":0,"writeQueueNums":1}]}';
  t.deepEqual(parseTopicRouteData(enc(fast)).brokerDatas[0]?.brokerAddrs, { '0': '1.2.3.4:5', '1': '1.2.3.4:6' });
});

test('bodyCrc32 is Java UtilAll.crc32 (CRC-32 masked to 31 bits)', (t) => {
  t.is(bodyCrc32(enc('123456789')), 0xcbf43926 & 0x7fffffff);
});
