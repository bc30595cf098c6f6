import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors';
import { loadOrCreateSharedIdentity, type SecretSlot } from '../../src/core/identity/shared-identity';
import { openStore } from '../../src/core/store';
import { tempDir } from '../helpers/temp';

/** Stands in for the editor's SecretStorage: shared by every "window", with no create-if-absent, and slow to answer. */
function sharedSecret(): SecretSlot & { writes: number } {
  let value: string | undefined;
  const slot = {
    description: 'the test secret store',
    writes: 0,
    get: async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return value;
    },
    set: async (pem: string) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      slot.writes++;
      value = pem;
    },
  };
  return slot;
}

test('windows opening at once over one database end up with one identity, created once', async (t) => {
  const file = join(tempDir(t), 'peer-backup.db');
  const windows = await Promise.all([openStore(file), openStore(file), openStore(file)]);
  t.after(() => Promise.all(windows.map((store) => store.close())));
  const secret = sharedSecret();
  const identities = await Promise.all(windows.map((store) => loadOrCreateSharedIdentity(secret, store)));
  assert.equal(new Set(identities.map((identity) => identity.peerId)).size, 1);
  assert.equal(secret.writes, 1);
  assert.equal((await loadOrCreateSharedIdentity(secret, windows[0])).peerId, identities[0].peerId);
});

test('a damaged key is reported with where it is kept, and not replaced', async (t) => {
  const store = await openStore(join(tempDir(t), 'peer-backup.db'));
  t.after(() => store.close());
  const secret = sharedSecret();
  await secret.set('not a key');
  await assert.rejects(loadOrCreateSharedIdentity(secret, store), (err: Error) => err instanceof UserError && /in the test secret store is not a usable/.test(err.message));
  assert.equal(await secret.get(), 'not a key');
});
