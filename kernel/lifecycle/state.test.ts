import test from 'ava';
import { canTransition, StateMachine, type KernelState } from './state.js';

const FORWARD: KernelState[] = ['created', 'loading', 'registered', 'initializing', 'starting', 'running', 'stopping', 'stopped'];

test('the happy path is legal, step by step', (t) => {
  const sm = new StateMachine(() => 0);
  for (const s of FORWARD.slice(1)) sm.transition(s);
  t.is(sm.state, 'stopped');
});

test('illegal transitions are assertions and leave the state unchanged', (t) => {
  const sm = new StateMachine(() => 0);
  t.throws(() => sm.transition('running'), { message: /illegal kernel state transition created → running/ });
  t.is(sm.state, 'created');
  sm.transition('loading');
  t.throws(() => sm.transition('created'), { message: /assertion failed/ });
  sm.transition('failed');
  for (const s of FORWARD) t.false(canTransition('failed', s), `failed → ${s}`);
});

test('no state can go backwards', (t) => {
  for (let i = 0; i < FORWARD.length; i++) {
    for (let j = 0; j < i; j++) t.false(canTransition(FORWARD[i]!, FORWARD[j]!), `${FORWARD[i]} → ${FORWARD[j]}`);
  }
});

test('each change reports the time spent in the previous state', (t) => {
  let now = 100;
  const sm = new StateMachine(() => now);
  now = 130;
  t.deepEqual(sm.transition('loading'), { from: 'created', to: 'loading', ms: 30 });
});
