/**
 * A backup that does not fit the teammate's quota, through real processes:
 * the refusal names exactly the oldest snapshots whose forgetting makes room
 * and the command that forgets them; running it lets the backup through.
 * When even forgetting every snapshot would not make room, it says to ask
 * for a larger quota.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, runCliJson } from '../helpers/cli';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

const MiB = 1024 * 1024;

test('a backup over quota names the oldest snapshots to forget and the command; after it the backup fits; too large for any forgetting says so', { timeout: 300_000 }, async (t) => {
  const registry = await startRegistry(t);
  const teammate = await makeHome(t);
  const laptop = await makeHome(t);
  await allow(teammate.home, laptop.peerId, '11MB');
  await startReceiver(t, teammate.home, registry.url);
  const work = join(tempDir(t), 'work');
  mkdirSync(work);
  const env = { PEER_BACKUP_HOME: laptop.home, PEER_BACKUP_REGISTRY: registry.url };
  assert.equal((await runCli(['plan', 'add', 'work', work, '--dest', teammate.peerId], { env })).code, 0);

  // Three snapshots of 3 MiB each, nothing shared (incompressible, new each time): about 9 of the 11 MiB.
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    writeFileSync(join(work, 'big.bin'), randomBytes(3 * MiB));
    ids.push((await runCliJson<{ snapshotId: string }>(['run', 'work'], { env })).snapshotId);
  }

  // 6 MiB more needs about 4 MiB freed: the oldest one frees 3 MiB, too little; the two oldest free 6 MiB.
  writeFileSync(join(work, 'big.bin'), randomBytes(6 * MiB));
  const refused = await runCli(['run', 'work', '--no-retry'], { env });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, new RegExp(`Forgetting your 2 oldest snapshots \\(${ids[0]}, ${ids[1]}\\) would free 6(\\.\\d)? MiB`));
  const command = /run `peer-backup (forget [^`]+)`/.exec(refused.stderr)?.[1];
  assert.equal(command, `forget --plan "work" --snapshot ${ids[0]} --snapshot ${ids[1]}`);

  // Naming snapshots leaves the policy alone, so it is refused together with a policy change.
  const mixed = await runCli(['forget', '--plan', 'work', '--snapshot', ids[0]!, '--keep-last', '1'], { env });
  assert.equal(mixed.code, 1);
  assert.match(mixed.stderr, /--snapshot .* does not go with --keep-\*/);
  // A name the teammate does not hold is refused before anything is deleted.
  const unknown = await runCli(['forget', '--plan', 'work', '--snapshot', ids[0]!, '--snapshot', 'no-such-snapshot'], { env });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /holds no snapshot "no-such-snapshot" of plan "work"; nothing was forgotten/);
  const forgot = await runCliJson<{ forget: { snapshotId: string }[] }>(command.split(' ').map((word) => word.replace(/^"(.*)"$/, '$1')), { env });
  assert.deepEqual(forgot.forget.map((snapshot) => snapshot.snapshotId).sort(), [ids[0], ids[1]].sort());
  const fitted = await runCliJson<{ snapshotId: string }>(['run', 'work'], { env });
  const listed = (await runCliJson<{ snapshotId: string }[]>(['snapshots', '--plan', 'work'], { env })).map((snapshot) => snapshot.snapshotId);
  assert.deepEqual(listed, [ids[2], fitted.snapshotId], 'only the snapshots named were forgotten, and the policy still keeps the others');

  // More than the whole quota: forgetting everything would not make room.
  writeFileSync(join(work, 'big.bin'), randomBytes(12 * MiB));
  const tooLarge = await runCli(['run', 'work', '--no-retry'], { env });
  assert.equal(tooLarge.code, 1, tooLarge.stderr);
  assert.match(tooLarge.stderr, /Forgetting all your snapshots there would not make room: ask \S+ for a larger quota/);
  assert.doesNotMatch(tooLarge.stderr, /peer-backup forget/);
});
