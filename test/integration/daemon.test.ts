/**
 * The headless teammate and the headless sender: `daemon` and `run --due`
 * as real processes, with a real registry and receiver on loopback.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openStore, type Run } from '../../src/core/store';
import { runCli, runCliJson, startCli } from '../helpers/cli';
import { writeFixtureTree } from '../helpers/fixture-tree';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Reads run rows straight from the database file, without the CLI's open-time bookkeeping. */
async function runsIn(home: string): Promise<{ status: string }[]> {
  const store = await openStore(join(home, 'peer-backup.db'));
  try {
    return await store.db.all<{ status: string }>('SELECT status FROM runs ORDER BY id');
  } finally {
    await store.close();
  }
}

test('run --due runs each due plan once; a second call finds nothing due', async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '10MB');
  await startReceiver(t, receiver.home, registry.url);
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  const work = writeFixtureTree(join(tempDir(t), 'project'));
  // Every second, so a slot has passed since the plan was saved by the time --due looks.
  await runCli(['plan', 'add', 'often', work, '--dest', receiver.peerId, '--schedule', '* * * * * *'], { env });
  await runCli(['plan', 'add', 'by-hand', work, '--dest', receiver.peerId], { env });
  await sleep(1100);

  const first = await runCliJson<Run[]>(['run', '--due'], { env });
  assert.deepEqual(first.map((run) => [run.planName, run.status]), [['often', 'succeeded']]);
  const second = await runCli(['run', '--due'], { env });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /No plan is due/);
  const history = await runCliJson<Run[]>(['history'], { env });
  assert.equal(history.length, 1);
});

test('run needs a plan or --due, and names an unknown plan', async (t) => {
  const home = tempDir(t);
  const neither = await runCli(['run', '--home', home]);
  assert.equal(neither.code, 1);
  assert.match(neither.stderr, /name one plan to run, or pass --due/);
  const unknown = await runCli(['run', 'nope', '--home', home]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /No plan named "nope"/);
});

test('a daemon killed mid-run leaves the run interrupted, and a restarted daemon runs the next slot', async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '1GB');
  await startReceiver(t, receiver.home, registry.url);
  const work = join(tempDir(t), 'big');
  mkdirSync(work);
  writeFileSync(join(work, 'random.bin'), execFileSync('head', ['-c', String(120 * 1024 * 1024), '/dev/urandom'], { maxBuffer: 200 * 1024 * 1024 }));
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  await runCli(['plan', 'add', 'big', work, '--dest', receiver.peerId, '--schedule', '*/2 * * * * *'], { env });

  const first = await startCli(['daemon', '--schedule'], /daemon running as/, { env });
  await waitFor('a run to start', async () => ((await runsIn(sender.home)).some((run) => run.status === 'running') ? true : undefined));
  await first.stop('SIGKILL');

  const afterKill = await runCliJson<Run[]>(['history', 'big'], { env });
  assert.equal(afterKill[0].status, 'interrupted');
  assert.match(afterKill[0].error ?? '', /stopped before it finished/);

  const second = await startCli(['daemon', '--schedule'], /daemon running as/, { env });
  t.after(() => second.stop());
  const succeeded = await waitFor('a run to succeed after the restart', async () => {
    const runs = await runCliJson<Run[]>(['history', 'big'], { env });
    return runs.find((run) => run.status === 'succeeded');
  });
  assert.ok(succeeded.snapshotId);
  assert.ok(!(await runCliJson<Run[]>(['history', 'big'], { env })).some((run) => run.status === 'running' && run.id === afterKill[0].id));
});
