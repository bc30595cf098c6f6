import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { deriveChunkKeys, generateStorageSecret } from '../../src/core/chunk/chunk-keys';
import { UserError } from '../../src/core/errors';
import { generateIdentity } from '../../src/core/identity/keys';
import { runBackup, type RunnerContext, type RunProgress } from '../../src/core/runner';
import { openStore } from '../../src/core/store';
import { FolderDestination } from '../helpers/folder-destination';
import { tempDir } from '../helpers/temp';

async function setUp(t: TestContext, destinationFor: (destination: FolderDestination, attempt: number) => Promise<FolderDestination>) {
  const root = tempDir(t);
  const ws = join(root, 'ws');
  mkdirSync(ws);
  writeFileSync(join(ws, 'notes.md'), 'remember the milk\n');
  const store = await openStore(join(root, 'peer-backup.db'));
  t.after(() => store.close());
  const identity = generateIdentity();
  const received = join(root, 'received');
  mkdirSync(received);
  const destination = new FolderDestination(received, identity.publicKey);
  await store.plans.create({ name: 'nightly', destination: destination.identity.peerId, schedule: 'manual', excludes: [], items: [{ sourcePath: ws, archivePath: 'ws' }] });
  let attempts = 0;
  const context: RunnerContext = {
    store,
    identity,
    registry: { lookup: () => Promise.reject(new Error('the runner reaches teammates through destinationFor only')) },
    spoolDir: join(root, 'spool'),
    chunkKeys: async () => deriveChunkKeys(generateStorageSecret()),
    destinationFor: () => destinationFor(destination, ++attempts),
  };
  return { context, destination, spool: context.spoolDir };
}

test('a run reaches the teammate again after it was offline, then records the receipt, bytes sent and content bytes', async (t) => {
  const { context, destination, spool } = await setUp(t, async (destination, attempt) => {
    if (attempt === 1) throw new UserError('the teammate is offline', { code: 'peer-offline' });
    return destination;
  });
  const progress: RunProgress[] = [];
  const run = await runBackup(context, 'nightly', { retry: { delaysMs: [0] }, onProgress: (update) => progress.push(update) });
  assert.equal(run.status, 'succeeded', run.error ?? '');
  assert.equal(run.files, 1);
  assert.ok(run.bytes > 0 && run.bytes === destination.packs.reduce((sum, pack) => sum + statSync(pack.file).size, 0));
  assert.equal((await context.store.runs.snapshotRecord(run.snapshotId!))?.contentBytes, 18);
  assert.ok(destination.snapshots.has(run.snapshotId!));
  assert.ok(progress.some((update) => update.phase === 'connecting' && update.retryingIn === 0));
  assert.ok(progress.some((update) => update.phase === 'packing'));
  assert.deepEqual(
    { phase: progress.at(-1)!.phase, files: progress.at(-1)!.files },
    { phase: 'uploading', files: 1 },
  );
  assert.deepEqual(readdirSync(spool), []);
});

test('a teammate that stays unreachable fails the run with the reason, recorded as its step', async (t) => {
  const { context } = await setUp(t, async () => {
    throw new UserError('the teammate is offline', { code: 'peer-offline' });
  });
  const run = await runBackup(context, 'nightly', { retry: { delaysMs: [0, 0] } });
  assert.equal(run.status, 'failed');
  assert.equal(run.failureStep, 'peer-offline');
  assert.equal(run.error, 'the teammate is offline');
});

test('a designated path that is gone fails the run as source-missing without reaching the teammate', async (t) => {
  let reached = 0;
  const { context } = await setUp(t, async (destination) => {
    reached++;
    return destination;
  });
  const gone = join(tempDir(t), 'moved-away');
  await context.store.plans.setItems('nightly', [{ sourcePath: gone, archivePath: 'gone' }]);
  const run = await runBackup(context, 'nightly', { retry: { delaysMs: [0] } });
  assert.equal(run.status, 'failed');
  assert.equal(run.failureStep, 'source-missing');
  assert.match(run.error ?? '', new RegExp(`${gone} was moved or deleted`));
  assert.equal(reached, 0);
});
