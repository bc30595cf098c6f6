/**
 * Retention through real processes: forget deletes at the teammate the
 * snapshots the plan's policy no longer keeps, and the teammate's stored
 * bytes shrink at once (packs of forgotten snapshots are collected by
 * reference, not kept for the grace period); a dry run deletes nothing; a
 * ceiling on snapshots refuses a backup and names what to forget.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, runCliJson } from '../helpers/cli';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

/** The bytes of every file the teammate keeps for `sender` (packs, indexes, snapshots). */
function storedBytes(receiverHome: string, sender: string): number {
  const root = join(receiverHome, 'storage', sender, 'v2');
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((name) => !name.startsWith('.tmp'))
    .map((name) => statSync(join(root, name)))
    .filter((stats) => stats.isFile())
    .reduce((sum, stats) => sum + stats.size, 0);
}

test('forget deletes the snapshots the policy no longer keeps and the teammate\'s stored bytes shrink; a dry run deletes nothing; a snapshot ceiling names what to forget', { timeout: 240_000 }, async (t) => {
  const registry = await startRegistry(t);
  const teammate = await makeHome(t);
  const laptop = await makeHome(t);
  await allow(teammate.home, laptop.peerId, '200MB');
  await startReceiver(t, teammate.home, registry.url);
  const work = join(tempDir(t), 'work');
  mkdirSync(work);
  const env = { PEER_BACKUP_HOME: laptop.home, PEER_BACKUP_REGISTRY: registry.url };
  assert.equal((await runCli(['plan', 'add', 'work', work, '--dest', teammate.peerId], { env })).code, 0);

  // Keep the newest 5 only, so that three backups in the same minute all stay.
  const set = await runCliJson<{ policy: Record<string, number>; forget: unknown[] }>(
    ['forget', '--plan', 'work', '--dry-run', '--keep-last', '5', '--keep-hourly', '0', '--keep-daily', '0', '--keep-weekly', '0', '--keep-monthly', '0'],
    { env },
  );
  assert.deepEqual(set.policy, { last: 5, hourly: 0, daily: 0, weekly: 0, monthly: 0 });

  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    writeFileSync(join(work, 'big.bin'), randomBytes(3 * 1024 * 1024)); // incompressible, new each time
    ids.push((await runCliJson<{ snapshotId: string }>(['run', 'work'], { env })).snapshotId);
  }
  const listed = async () => (await runCliJson<{ snapshotId: string }[]>(['snapshots', '--plan', 'work'], { env })).map((snapshot) => snapshot.snapshotId);
  assert.deepEqual(await listed(), ids);
  const before = storedBytes(teammate.home, laptop.peerId);
  assert.ok(before > 9 * 1024 * 1024, `${before} bytes stored`);

  const dry = await runCliJson<{ forget: { snapshotId: string }[]; keep: { snapshot: { snapshotId: string } }[] }>(['forget', '--plan', 'work', '--dry-run', '--keep-last', '1'], { env });
  assert.deepEqual(dry.forget.map((snapshot) => snapshot.snapshotId), [ids[1], ids[0]]);
  assert.deepEqual(dry.keep.map((each) => each.snapshot.snapshotId), [ids[2]]);
  assert.equal(storedBytes(teammate.home, laptop.peerId), before);
  assert.deepEqual(await listed(), ids);

  const done = await runCliJson<{ forget: { snapshotId: string }[]; freedBytes: number }>(['forget', '--plan', 'work'], { env });
  assert.deepEqual(done.forget.map((snapshot) => snapshot.snapshotId), [ids[1], ids[0]]);
  assert.deepEqual(await listed(), [ids[2]]);
  const after = storedBytes(teammate.home, laptop.peerId);
  assert.ok(before - after >= 6 * 1024 * 1024, `stored bytes went from ${before} to ${after}`);
  // What the quota counted (packs and snapshot files; the packs' small index files are not charged).
  assert.ok(done.freedBytes >= 6 * 1024 * 1024 && done.freedBytes <= before - after, `${done.freedBytes} bytes freed`);
  assert.ok(after < 4 * 1024 * 1024, `${after} bytes still stored for one snapshot of 3 MiB`);

  // The teammate lets this machine keep one snapshot: the next backup is refused and says which to forget.
  assert.equal((await runCli(['allow', laptop.peerId, '--quota', '200MB', '--max-snapshots', '1', '--home', teammate.home])).code, 0);
  writeFileSync(join(work, 'big.bin'), randomBytes(1024));
  const refused = await runCli(['run', 'work', '--no-retry'], { env });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`keeps at most 1 snapshots for you and holds 1: forget one first, e.g. the oldest \\(${ids[2]}\\)`));
});
