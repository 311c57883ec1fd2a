import test from 'ava';
import fc from 'fast-check';
import { isCometError } from '../../../kernel/errors.js';
import type { PopReceiveRequest } from '../../../kernel/messaging/pop.js';
import { popBroker } from './harness.js';

const ok: PopReceiveRequest = { group: 'G', topic: 'T', max: 1, invisibleMs: 1000, waitMs: 0 };

test('bad receive parameters are coded errors', async (t) => {
  const b = await popBroker(t);
  await b.api.topics.create({ topicName: 'T', readQueueNums: 1, writeQueueNums: 1 });
  await b.api.topics.create({ topicName: 'WriteOnly', readQueueNums: 1, writeQueueNums: 1, perm: 2 });
  const cases: [Partial<PopReceiveRequest>, string][] = [
    [{ max: 0 }, 'POP_REQUEST_INVALID'],
    [{ max: 257 }, 'POP_REQUEST_INVALID'],
    [{ max: 1.5 }, 'POP_REQUEST_INVALID'],
    [{ max: Number.NaN }, 'POP_REQUEST_INVALID'],
    [{ invisibleMs: 0 }, 'POP_REQUEST_INVALID'],
    [{ invisibleMs: 43_200_001 }, 'POP_REQUEST_INVALID'],
    [{ waitMs: -1 }, 'POP_REQUEST_INVALID'],
    [{ waitMs: 60_001 }, 'POP_REQUEST_INVALID'],
    [{ group: 'bad group' }, 'GROUP_NAME_INVALID'],
    [{ topic: '' }, 'TOPIC_NAME_INVALID'],
    [{ topic: 'Missing' }, 'TOPIC_NOT_FOUND'],
    [{ topic: 'WriteOnly' }, 'TOPIC_NOT_READABLE'],
  ];
  for (const [patch, code] of cases) {
    await t.throwsAsync(b.pop.receive({ ...ok, ...patch }), { code } as never, JSON.stringify(patch));
  }
  const error = await t.throwsAsync(b.pop.receive({ ...ok, max: 0 }));
  t.true(isCometError(error) && error.httpStatus === 400);
  t.deepEqual(await b.pop.receive({ ...ok, max: 256, invisibleMs: 43_200_000, waitMs: 0 }), [], 'the bounds themselves are valid');
});

test('bad extend/nack numbers and bad handles through the service are coded errors', async (t) => {
  const b = await popBroker(t);
  await b.api.topics.create({ topicName: 'T', readQueueNums: 1, writeQueueNums: 1 });
  await b.produce('T', 'x');
  const [m] = await b.pop.receive(ok);
  if (!m) return t.fail('no delivery');
  await t.throwsAsync(b.pop.extend('G', m.receiptHandle, -1), { code: 'POP_REQUEST_INVALID' } as never);
  await t.throwsAsync(b.pop.extend('G', m.receiptHandle, 43_200_001), { code: 'POP_REQUEST_INVALID' } as never);
  await t.throwsAsync(b.pop.nack('G', m.receiptHandle, { delayLevel: -1 }), { code: 'POP_REQUEST_INVALID' } as never);
  await t.throwsAsync(b.pop.nack('G', m.receiptHandle, { delayLevel: 0.5 }), { code: 'POP_REQUEST_INVALID' } as never);
  await t.throwsAsync(b.pop.ack('bad group', m.receiptHandle), { code: 'GROUP_NAME_INVALID' } as never);

  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string(), fc.base64String({ minLength: 4 }), fc.string({ unit: 'binary' })), async (garbage) => {
      for (const op of [() => b.pop.ack('G', garbage), () => b.pop.extend('G', garbage, 10), () => b.pop.nack('G', garbage)]) {
        try {
          await op();
          return false;
        } catch (e) {
          if (!isCometError(e, 'RECEIPT_HANDLE_INVALID')) return false;
        }
      }
      return true;
    }),
    { numRuns: 300 },
  );
  await b.pop.ack('G', m.receiptHandle);
  t.is(b.api.queryOffset('G', 'T', 0), 1, 'the real handle still works');
});
