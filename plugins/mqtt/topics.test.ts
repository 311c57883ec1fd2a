import test from 'ava';
import fc from 'fast-check';
import { checkTopicName, firstLevel, matches, parseFilter, tagOf } from './topics.js';

const levels = (f: string): readonly string[] => {
  const p = parseFilter(f);
  if (!p.ok) throw new Error(p.reason);
  return p.filter.levels;
};

test('matches: + is one level, # the parent and everything below (§4.7.1)', (t) => {
  const cases: [string, string, boolean][] = [
    ['a/b/c', 'a/b/c', true],
    ['a/+/c', 'a/b/c', true],
    ['a/+/c', 'a/b/d', false],
    ['a/+', 'a/b/c', false],
    ['a/+', 'a/', true],
    ['a/+/+', 'a//', true],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c/d', true],
    ['a/b/#', 'a/b', true],
    ['a/b/#', 'a/c', false],
    ['a', 'a/b', false],
    ['a/b', 'a', false],
    ['a/+/#', 'a/b', true],
    ['a/+/#', 'a', false],
  ];
  for (const [f, topic, want] of cases) t.is(matches(levels(f), topic), want, `${f} vs ${topic}`);
});

test('matches agrees with a regular-expression reference on generated topics and filters', (t) => {
  const level = fc.constantFrom('a', 'b', 'c', '');
  const topicArb = fc.array(level, { minLength: 1, maxLength: 5 }).map((l) => ['t', ...l].join('/'));
  const filterLevel = fc.constantFrom('a', 'b', 'c', '', '+');
  const filterArb = fc.tuple(fc.array(filterLevel, { maxLength: 4 }), fc.boolean()).map(([l, hash]) => ['t', ...l, ...(hash ? ['#'] : [])].join('/'));
  const reference = (filter: string, topic: string): boolean => {
    const parts = filter.split('/');
    let re = '';
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (p === '#') {
        re = i === 0 ? '.*' : `${re}(/.*)?`;
        break;
      }
      re += (i === 0 ? '' : '/') + (p === '+' ? '[^/]*' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    }
    return new RegExp(`^${re}$`).test(topic);
  };
  fc.assert(fc.property(filterArb, topicArb, (f, topic) => matches(levels(f), topic) === reference(f, topic)), { numRuns: 2000 });
  t.pass();
});

test('parseFilter: wildcard placement, shared subscriptions and the literal first level', (t) => {
  t.true(parseFilter('a/b/#').ok);
  t.true(parseFilter('a/+/c').ok);
  for (const bad of ['', 'a/b#', 'a/#/c', 'a/b+', '$SYS/x', 'a.b/c', '$share/g', '$share//a', '$share/g+/a', '$share/g/', '$share/g/#', '$share/g/+/x']) {
    t.false(parseFilter(bad).ok, bad);
  }
  for (const every of ['#', '+/x', '+/+/#']) {
    const p = parseFilter(every);
    t.true(p.ok, every);
    if (p.ok) t.is(p.filter.storeTopic, undefined, `${every} reads every topic`);
  }
  const s = parseFilter('$share/workers/jobs/+');
  t.true(s.ok);
  if (s.ok) {
    t.is(s.filter.share, 'workers');
    t.is(s.filter.filter, 'jobs/+');
    t.is(s.filter.storeTopic, 'jobs');
  }
});

test('checkTopicName: no wildcards, no $ topics, a valid CometMQ topic as first level', (t) => {
  t.true(checkTopicName('a/b/c').ok);
  for (const bad of ['', 'a/+', 'a/#', '$SYS/x', 'a b/c', 'x\u0000y', `${'t'.repeat(128)}/x`]) t.false(checkTopicName(bad).ok, JSON.stringify(bad));
  t.is(firstLevel('a/b/c'), 'a');
  t.is(tagOf('a/b/c'), 'b');
  t.is(tagOf('a'), undefined);
  t.is(tagOf('a//c'), undefined);
});

test('$ topics are not matched by filters starting with a wildcard (§4.7.2)', (t) => {
  t.false(matches(['+', 'x'], '$SYS/x'));
  t.false(matches(['#'], '$SYS/x'));
  t.true(matches(['$SYS', '#'], '$SYS/x'));
});
