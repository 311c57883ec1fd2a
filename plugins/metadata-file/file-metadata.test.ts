import test, { type ExecutionContext } from 'ava';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isCometError } from '../../kernel/errors.js';
import { systemClock, type Clock } from '../../kernel/services.js';
import { groupConfig, metadataContract, topicConfig, type MetadataHarness } from '../../test/contracts/metadata.contract.js';
import { openFileMetadata, type FileMetadataStore } from './file-metadata.js';

/** A clock whose intervals fire only when the test says so (and never after cancel). */
function manualClock(): Clock & { tick(): void } {
  const intervals = new Set<() => void>();
  return {
    ...systemClock,
    setInterval(fn) {
      intervals.add(fn);
      const handle = { cancel: () => void intervals.delete(fn), unref: () => handle };
      return handle;
    },
    tick() {
      for (const fn of intervals) fn();
    },
  };
}

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cometmq-meta-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The manual clock never fires on its own, so an abandoned instance never writes again: a crash. */
async function harness(dir: string): Promise<MetadataHarness> {
  const store = await openFileMetadata({ dir, clock: manualClock() });
  return {
    store,
    async reopen() {
      await store.close();
      return harness(dir);
    },
    crashAndReopen: () => harness(dir),
    close: () => store.close(),
  };
}

metadataContract('metadata-file', async (t) => harness(path.join(await tempDir(t), 'metadata')), { persistent: true });

async function openStore(t: ExecutionContext, dir: string, clock: Clock = manualClock()): Promise<FileMetadataStore> {
  const store = await openFileMetadata({ dir, clock });
  t.teardown(() => store.close());
  return store;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('offsets are written by the persist timer when dirty', async (t) => {
  const dir = path.join(await tempDir(t), 'metadata');
  const clock = manualClock();
  const store = await openStore(t, dir, clock);
  store.commitOffset('g', 'A', 2, 42);
  clock.tick();
  const file = path.join(dir, 'offsets.json');
  await waitFor(async () => (await readFile(file, 'utf8').catch(() => '')).includes('42'));
  const again = await openStore(t, dir);
  t.is(again.queryOffset('g', 'A', 2), 42);
});

test('files are written atomically with a .bak of the previous version and no .tmp left', async (t) => {
  const dir = path.join(await tempDir(t), 'metadata');
  const store = await openStore(t, dir);
  await store.putTopic(topicConfig('A'));
  await store.putTopic(topicConfig('B'));
  await store.putGroup(groupConfig('g'));
  const files = (await readdir(dir)).sort();
  t.deepEqual(files, ['groups.json', 'topics.json', 'topics.json.bak']);
  const bak = JSON.parse(await readFile(path.join(dir, 'topics.json.bak'), 'utf8')) as { topics: { topicName: string }[] };
  t.deepEqual(bak.topics.map((c) => c.topicName), ['A']);
});

test('a leftover .tmp file from a crashed write is discarded', async (t) => {
  const dir = path.join(await tempDir(t), 'metadata');
  const first = await openFileMetadata({ dir, clock: manualClock() });
  await first.putTopic(topicConfig('A'));
  await first.close();
  await writeFile(path.join(dir, 'topics.json.tmp'), '{"version":1,"topics":[{"topicNa');
  await writeFile(path.join(dir, 'offsets.json.tmp'), 'garbage');
  const store = await openStore(t, dir);
  t.deepEqual(store.listTopics().map((c) => c.topicName), ['A']);
  t.false((await readdir(dir)).some((f) => f.endsWith('.tmp')));
});

test('a corrupt file with a good .bak recovers the previous version and keeps the corrupt copy aside', async (t) => {
  const dir = path.join(await tempDir(t), 'metadata');
  const first = await openFileMetadata({ dir, clock: manualClock() });
  await first.putTopic(topicConfig('A'));
  await first.putTopic(topicConfig('B'));
  await first.close();
  await writeFile(path.join(dir, 'topics.json'), '{"version":1,"topics":[{"topicName":"A"');
  const store = await openFileMetadata({ dir, clock: manualClock() });
  t.deepEqual(store.listTopics().map((c) => c.topicName), ['A']);
  t.true((await readdir(dir)).includes('topics.json.corrupt'));
  // The next save must not rotate the corrupt file into .bak.
  await store.putTopic(topicConfig('C'));
  await store.close();
  const bak = JSON.parse(await readFile(path.join(dir, 'topics.json.bak'), 'utf8')) as { topics: { topicName: string }[] };
  t.deepEqual(bak.topics.map((c) => c.topicName), ['A'], 'the good .bak survives the first save after recovery');
  const reopened = await openStore(t, dir);
  t.deepEqual(reopened.listTopics().map((c) => c.topicName).sort(), ['A', 'C']);
});

test('a corrupt file without a usable .bak is METADATA_CORRUPT naming the file', async (t) => {
  const dir = path.join(await tempDir(t), 'metadata');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'groups.json'), 'not json');
  const err = await t.throwsAsync(openFileMetadata({ dir, clock: manualClock() }));
  t.true(isCometError(err, 'METADATA_CORRUPT'), String(err));
  t.regex(err?.message ?? '', /groups\.json/);

  // Valid JSON of the wrong shape is corrupt too, and a corrupt .bak does not help.
  await rm(path.join(dir, 'groups.json'));
  await writeFile(path.join(dir, 'offsets.json'), JSON.stringify({ version: 1, groups: [{ group: 'g', topics: [{ topic: 'A', queues: [[0, -5]] }] }] }));
  await writeFile(path.join(dir, 'offsets.json.bak'), '{');
  const shape = await t.throwsAsync(openFileMetadata({ dir, clock: manualClock() }));
  t.true(isCometError(shape, 'METADATA_CORRUPT'), String(shape));
  t.regex(shape?.message ?? '', /offsets\.json/);
});

test('names are data, never paths: odd topic names create no files', async (t) => {
  const dir = path.join(await tempDir(t), 'metadata');
  const store = await openStore(t, dir);
  await store.putTopic(topicConfig('../../evil'));
  await store.putGroup(groupConfig('/etc/passwd'));
  store.commitOffset('../g', '../t', 0, 1);
  await store.flushOffsets();
  t.deepEqual((await readdir(dir)).sort(), ['groups.json', 'offsets.json', 'topics.json']);
  t.deepEqual((await readdir(path.dirname(dir))).sort(), ['metadata']);
});

test('a failed write rejects with METADATA_IO and a later write succeeds', async (t) => {
  const dir = path.join(await tempDir(t), 'metadata');
  const store = await openStore(t, dir);
  await store.putTopic(topicConfig('A'));
  // Block the tmp path with a directory: open(<file>.tmp, 'w') fails with EISDIR.
  await mkdir(path.join(dir, 'topics.json.tmp'));
  const err = await t.throwsAsync(store.putTopic(topicConfig('B')));
  t.true(isCometError(err, 'METADATA_IO'), String(err));
  await rm(path.join(dir, 'topics.json.tmp'), { recursive: true });
  await store.putTopic(topicConfig('C'));
  const again = await openStore(t, dir);
  t.deepEqual(again.listTopics().map((c) => c.topicName).sort(), ['A', 'B', 'C']);
});

test('after close, writes reject with METADATA_IO', async (t) => {
  const dir = path.join(await tempDir(t), 'metadata');
  const store = await openFileMetadata({ dir, clock: manualClock() });
  await store.close();
  await store.close();
  const err = await t.throwsAsync(store.putTopic(topicConfig('A')));
  t.true(isCometError(err, 'METADATA_IO'), String(err));
});
