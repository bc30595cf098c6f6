/**
 * The headless teammate and the headless sender: `daemon` and `run --due`
 * as real processes, with a real registry and receiver on loopback.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Run } from '../../src/core/store';
import { Database } from '../../src/core/store/database';
import { runCli, runCliJson, startCli } from '../helpers/cli';
import { writeFixtureTree } from '../helpers/fixture-tree';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

/** Polls until `probe` answers; the bound is generous, for a busy machine. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Reads run rows straight from the database file. Opening a store would also
 * do its open-time bookkeeping (marking runs of dead processes interrupted),
 * which is for the CLI under test to do.
 */
async function runsIn(home: string): Promise<{ status: string }[]> {
  const db = await Database.open(join(home, 'peer-backup.db'));
  try {
    return await db.all<{ status: string }>('SELECT status FROM runs ORDER BY id');
  } finally {
    await db.close();
  }
}

/** "HH:MM" of the local time `ms` ago. */
function clockTimeAgo(ms: number): string {
  const at = new Date(Date.now() - ms);
  return `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
}

test('run --due runs each due plan once; a second call finds nothing due', async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '10MB');
  await startReceiver(t, receiver.home, registry.url);
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  const work = writeFixtureTree(join(tempDir(t), 'project'));
  // A daily plan saved two hours ago whose slot was half an hour ago: due now,
  // and due again only tomorrow, however long the calls below take.
  await runCli(['plan', 'add', 'daily', work, '--dest', receiver.peerId, '--schedule', `daily ${clockTimeAgo(30 * 60_000)}`], { env });
  await runCli(['plan', 'add', 'by-hand', work, '--dest', receiver.peerId], { env });
  const db = await Database.open(join(sender.home, 'peer-backup.db'));
  await db.run('UPDATE plans SET updated_at = ?', [Date.now() - 2 * 3600_000]);
  await db.close();

  const first = await runCliJson<{ runs: Run[]; skipped: unknown[] }>(['run', '--due'], { env });
  assert.deepEqual(first.runs.map((run) => [run.planName, run.status]), [['daily', 'succeeded']]);
  assert.deepEqual(first.skipped, []);
  const second = await runCli(['run', '--due'], { env });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /No plan is due/);
  const history = await runCliJson<Run[]>(['history'], { env });
  assert.deepEqual(history.map((run) => run.id), [first.runs[0].id]);
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
  await allow(receiver.home, sender.peerId, '10MB');
  const receiving = await startReceiver(t, receiver.home, registry.url);
  const work = writeFixtureTree(join(tempDir(t), 'project'));
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  await runCli(['plan', 'add', 'often', work, '--dest', receiver.peerId, '--schedule', '*/2 * * * * *'], { env });

  // The teammate's process is paused, so a run that starts cannot finish before the kill.
  receiving.child.kill('SIGSTOP');
  const first = await startCli(['daemon', '--schedule'], /daemon running as/, { env, timeoutMs: 60_000 });
  await waitFor('a run to start', async () => ((await runsIn(sender.home)).some((run) => run.status === 'running') ? true : undefined));
  await first.stop('SIGKILL');
  receiving.child.kill('SIGCONT');

  const [killed] = await runCliJson<Run[]>(['history', 'often'], { env });
  assert.equal(killed.status, 'interrupted');
  assert.match(killed.error ?? '', /stopped before it finished/);

  // The dead daemon's leases lapse first (30 s), so this takes a while.
  const restartedAt = Date.now();
  const second = await startCli(['daemon', '--schedule'], /daemon running as/, { env, timeoutMs: 60_000 });
  t.after(() => second.stop());
  const succeeded = await waitFor('a run to succeed after the restart', async () => {
    const runs = await runCliJson<Run[]>(['history', 'often'], { env });
    return runs.find((run) => run.status === 'succeeded');
  });
  assert.ok(succeeded.snapshotId);
  assert.ok(succeeded.startedAt >= restartedAt, 'the run that succeeded is the restarted daemon\'s');
  const killedNow = (await runCliJson<Run[]>(['history', 'often'], { env })).find((run) => run.id === killed.id);
  assert.equal(killedNow?.status, 'interrupted', 'the restart leaves the interrupted run as it was');
});
