/**
 * The day the laptop dies, with real processes on loopback: a backup leaves
 * the recovery kit with the teammate; a fresh home with only the code and
 * the teammate's peer ID gets the keys back and restores the latest snapshot
 * byte for byte. A wrong code is refused the same way whether or not a kit
 * exists under it, guesses from one address are throttled, and the kit on
 * the teammate's disk holds neither key in clear.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors';
import { generateIdentity, identityFromPem } from '../../src/core/identity/keys';
import { writeKitFile } from '../../src/core/recovery/kit-file';
import { deriveKitKeys, verifierHash } from '../../src/core/recovery/kit-keys';
import { sealKit } from '../../src/core/recovery/kit-seal';
import { generateRecoveryCode, recoveryCodeEntropy } from '../../src/core/recovery/recovery-code';
import { ChunkClient } from '../../src/core/transfer/chunk-client';
import { PeerClient } from '../../src/core/transfer/sender';
import { runCli, runCliJson } from '../helpers/cli';
import { writeFixtureTree } from '../helpers/fixture-tree';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

test('a fresh home with only the recovery code and the teammate\'s peer ID restores the latest snapshot; wrong codes are refused and throttled', { timeout: 240_000 }, async (t) => {
  const registry = await startRegistry(t);
  const teammate = await makeHome(t);
  const laptop = await makeHome(t);
  await allow(teammate.home, laptop.peerId, '100MB');
  const receiver = await startReceiver(t, teammate.home, registry.url);

  const work = writeFixtureTree(join(tempDir(t), 'project'));
  const env = { PEER_BACKUP_HOME: laptop.home, PEER_BACKUP_REGISTRY: registry.url };
  assert.equal((await runCli(['plan', 'add', 'work', work, '--dest', teammate.peerId], { env })).code, 0);
  await runCliJson(['run', 'work'], { env });
  writeFileSync(join(work, 'later.txt'), 'written after the first backup\n'); // only the latest snapshot has it
  const latest = await runCliJson<{ snapshotId: string }>(['run', 'work'], { env });

  // The first backup made the kit and left it with the teammate; its code is shown once.
  const kit = await runCliJson<{ code?: string; heldBy: string[] }>(['recovery-kit'], { env });
  assert.ok(kit.code, 'the code made at the first backup is shown');
  assert.deepEqual(kit.heldBy, [teammate.peerId]);
  assert.equal((await runCliJson<{ code?: string }>(['recovery-kit'], { env })).code, undefined, 'the code is shown only once');

  // The teammate's copy holds neither the private key nor the storage secret in clear.
  const stored = readFileSync(join(teammate.home, 'storage', laptop.peerId, 'v2', 'recovery-kit.json'));
  const pem = readFileSync(join(laptop.home, 'identity.pem'), 'utf8');
  const secret = Buffer.from(readFileSync(join(laptop.home, 'storage-secret'), 'utf8').trim(), 'base64');
  const pemBody = pem.split('\n').filter((line) => line && !line.startsWith('-----')).join('');
  for (const needle of [Buffer.from(pemBody), Buffer.from('PRIVATE KEY'), secret, Buffer.from(secret.toString('base64')), Buffer.from(secret.toString('hex')), Buffer.from(kit.code)]) {
    assert.equal(stored.indexOf(needle), -1, `the stored kit holds ${needle.toString().slice(0, 20)}...`);
  }

  // The laptop is gone: a new home, the code and the teammate's peer ID.
  const fresh = tempDir(t);
  const target = join(tempDir(t), 'restored');
  const freshEnv = { PEER_BACKUP_HOME: fresh, PEER_BACKUP_REGISTRY: registry.url };
  const recovered = await runCliJson<{ peerId: string; snapshot: { snapshotId: string } }>(['recover', '--from', teammate.peerId, '--code', kit.code.toUpperCase(), '--to', target], { env: freshEnv });
  assert.equal(recovered.peerId, laptop.peerId);
  assert.equal(recovered.snapshot.snapshotId, latest.snapshotId);
  const diff = spawnSync('diff', ['-r', '--no-dereference', work, join(target, 'project')], { encoding: 'utf8' });
  assert.equal(diff.status, 0, diff.stdout + diff.stderr);
  assert.equal(identityFromPem(readFileSync(join(fresh, 'identity.pem'), 'utf8')).peerId, laptop.peerId);
  assert.ok(readFileSync(join(fresh, 'storage-secret')).equals(readFileSync(join(laptop.home, 'storage-secret'))));

  // A home with another identity is not overwritten without --force.
  const other = await makeHome(t);
  const refusedHome = await runCli(['recover', '--from', teammate.peerId, '--code', kit.code, '--to', join(tempDir(t), 'x')], { env: { ...freshEnv, PEER_BACKUP_HOME: other.home } });
  assert.equal(refusedHome.code, 1);
  assert.match(refusedHome.stderr, /holds another identity .*--force/);
  assert.equal(identityFromPem(readFileSync(join(other.home, 'identity.pem'), 'utf8')).peerId, other.peerId);

  // A wrong code: refused, and nothing is installed.
  const wrongHome = tempDir(t);
  const wrong = await runCli(['recover', '--from', teammate.peerId, '--code', await generateRecoveryCode(), '--to', join(tempDir(t), 'y')], { env: { ...freshEnv, PEER_BACKUP_HOME: wrongHome } });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /no recovery kit here matches this code/);
  assert.throws(() => readFileSync(join(wrongHome, 'identity.pem')));

  // The same refusal for the right lookup ID with a wrong verifier as for a lookup ID nobody uses.
  const stranger = generateIdentity();
  const probe = await new PeerClient(stranger).probe(teammate.peerId, { host: '127.0.0.1', port: receiver.port });
  assert.ok(probe.ok);
  const client = new ChunkClient(stranger, probe.peer);
  const right = await deriveKitKeys(await recoveryCodeEntropy(kit.code));
  const refusalOf = async (lookupId: string, verifier: string) => {
    const err = await client.openRecoveryKit(lookupId, verifier).then(() => undefined, (error: unknown) => error);
    assert.ok(err instanceof UserError, String(err));
    return { code: err.code, message: err.message };
  };
  const wrongVerifier = await refusalOf(right.lookupId, 'f'.repeat(64));
  const unknownLookup = await refusalOf('e'.repeat(64), right.verifier);
  assert.deepEqual(wrongVerifier, unknownLookup);
  assert.equal(wrongVerifier.code, 'not-found');

  // Guessing from one address is soon throttled (10 tries a minute): well within 12 more tries.
  const outcomes: string[] = [];
  for (let i = 0; i < 12 && !outcomes.includes('rate-limited'); i++) {
    const { message } = await refusalOf('d'.repeat(63) + (i % 10), 'c'.repeat(64));
    outcomes.push(/too many recovery-kit requests/.test(message) ? 'rate-limited' : 'wrong');
  }
  assert.equal(outcomes.at(-1), 'rate-limited', outcomes.join(', '));
  // Even the right code waits now: the limit is per address, not per guess.
  assert.match((await refusalOf(right.lookupId, right.verifier)).message, /too many recovery-kit requests .* retry in \d+ s/);
});

test('a recovery kit the teammate refuses leaves the backup standing, with a warning in the run and its history', { timeout: 240_000 }, async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const first = await makeHome(t);
  const second = await makeHome(t);
  await allow(receiver.home, first.peerId, '1GB');
  await allow(receiver.home, second.peerId, '1GB');
  await startReceiver(t, receiver.home, registry.url);
  const work = join(tempDir(t), 'project');
  writeFixtureTree(work);
  const firstEnv = { PEER_BACKUP_HOME: first.home, PEER_BACKUP_REGISTRY: registry.url };
  const secondEnv = { PEER_BACKUP_HOME: second.home, PEER_BACKUP_REGISTRY: registry.url };
  for (const env of [firstEnv, secondEnv]) assert.equal((await runCli(['plan', 'add', 'nightly', work, '--dest', receiver.peerId], { env })).code, 0);
  assert.equal((await runCliJson<{ status: string }>(['run', 'nightly'], { env: firstEnv })).status, 'succeeded');
  // A kit copied from another machine's home: the teammate already keeps one under its lookup ID for someone else.
  writeFileSync(join(second.home, 'recovery-kit.json'), readFileSync(join(first.home, 'recovery-kit.json')));

  const run = await runCliJson<{ status: string; snapshotId: string; warning: string | null }>(['run', 'nightly'], { env: secondEnv });
  assert.equal(run.status, 'succeeded');
  assert.match(run.warning ?? '', /recovery kit could not be left with the teammate.*make a new recovery code.*the next run tries again/);
  const history = await runCli(['history'], { env: secondEnv });
  assert.match(history.stdout, /succeeded.*warning: The recovery kit could not be left/);
  const listed = await runCliJson<{ snapshotId: string }[]>(['snapshots'], { env: secondEnv });
  assert.deepEqual(listed.map((each) => each.snapshotId), [run.snapshotId]);
});

test('a kit of version 1 (scrypt), made by an earlier build and left with the teammate, still gets the keys back', { timeout: 240_000 }, async (t) => {
  const registry = await startRegistry(t);
  const teammate = await makeHome(t);
  const laptop = await makeHome(t);
  await allow(teammate.home, laptop.peerId, '100MB');
  await startReceiver(t, teammate.home, registry.url);
  const work = writeFixtureTree(join(tempDir(t), 'project'));
  const env = { PEER_BACKUP_HOME: laptop.home, PEER_BACKUP_REGISTRY: registry.url };
  assert.equal((await runCli(['plan', 'add', 'work', work, '--dest', teammate.peerId], { env })).code, 0);
  await runCliJson(['run', 'work'], { env });

  // The home's kit as an earlier build made it: sealed under the scrypt derivation; the next backup leaves it with the teammate.
  const code = await generateRecoveryCode();
  const keys = await deriveKitKeys(await recoveryCodeEntropy(code), 1);
  const contents = {
    privateKeyPem: readFileSync(join(laptop.home, 'identity.pem'), 'utf8'),
    storageSecret: Buffer.from(readFileSync(join(laptop.home, 'storage-secret'), 'utf8').trim(), 'base64'),
  };
  await writeKitFile(laptop.home, { lookupId: keys.lookupId, verifierHash: verifierHash(keys.verifier), kit: sealKit(keys, contents) }, Date.now());
  const latest = await runCliJson<{ snapshotId: string; warning: string | null }>(['run', 'work'], { env });
  assert.equal(latest.warning, null);
  const stored = JSON.parse(readFileSync(join(teammate.home, 'storage', laptop.peerId, 'v2', 'recovery-kit.json'), 'utf8')) as { lookupId: string; kit: { version: number } };
  assert.deepEqual([stored.lookupId, stored.kit.version], [keys.lookupId, 1]);

  const fresh = tempDir(t);
  const target = join(tempDir(t), 'restored');
  const recovered = await runCliJson<{ peerId: string; snapshot: { snapshotId: string } }>(['recover', '--from', teammate.peerId, '--code', code, '--to', target], {
    env: { PEER_BACKUP_HOME: fresh, PEER_BACKUP_REGISTRY: registry.url },
  });
  assert.equal(recovered.peerId, laptop.peerId);
  assert.equal(recovered.snapshot.snapshotId, latest.snapshotId);
  const diff = spawnSync('diff', ['-r', '--no-dereference', work, join(target, 'project')], { encoding: 'utf8' });
  assert.equal(diff.status, 0, diff.stdout + diff.stderr);
});
