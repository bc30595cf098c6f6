import assert from 'node:assert/strict';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors';
import { keyFileName, loadOrCreateIdentity } from '../../src/core/identity/key-file';
import { peerIdOf } from '../../src/core/identity/peer-id';
import { tempDir } from '../helpers/temp';

test('the first use makes a key readable by its owner only, and later uses load the same identity', async (t) => {
  const home = tempDir(t);
  const first = await loadOrCreateIdentity(home);
  assert.equal(statSync(join(home, keyFileName)).mode & 0o777, 0o600);
  assert.equal(peerIdOf(first.publicKey), first.peerId);
  const again = await loadOrCreateIdentity(home);
  assert.equal(again.peerId, first.peerId);
  assert.deepEqual(again.publicKey, first.publicKey);
});

test('processes starting at once end up with one identity, not one each', async (t) => {
  const home = tempDir(t);
  const identities = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateIdentity(home)));
  assert.equal(new Set(identities.map((identity) => identity.peerId)).size, 1);
  assert.equal((await loadOrCreateIdentity(home)).peerId, identities[0].peerId);
});

test('a damaged key file is reported with its path and left in place', async (t) => {
  const home = tempDir(t);
  const file = join(home, keyFileName);
  writeFileSync(file, 'not a key\n', { mode: 0o600 });
  await assert.rejects(loadOrCreateIdentity(home), (err: Error) => {
    assert.ok(err instanceof UserError);
    assert.ok(err.message.includes(file), err.message);
    assert.match(err.message, /move it aside to make a new identity/);
    return true;
  });
  assert.equal(statSync(file).size, 'not a key\n'.length);
});

test('a folder where the key file belongs is named, with what to do, and left in place', async (t) => {
  const home = tempDir(t);
  const file = join(home, keyFileName);
  mkdirSync(file);
  await assert.rejects(loadOrCreateIdentity(home), (err: Error) => {
    assert.ok(err instanceof UserError);
    assert.equal(err.code, 'damaged');
    assert.ok(err.message.includes(file), err.message);
    assert.match(err.message, /is a folder, not a key file: restore it from a backup, or move it aside/);
    return true;
  });
  assert.ok(statSync(file).isDirectory());
});
