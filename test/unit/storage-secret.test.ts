import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateStorageSecret } from '../../src/core/chunk/chunk-keys';
import { UserError } from '../../src/core/errors';
import type { SecretSlot } from '../../src/core/identity/shared-identity';
import { loadOrCreateStorageSecretFile, loadOrCreateStorageSecretInSlot, storageSecretFileName, storageSecretFingerprint } from '../../src/core/identity/storage-secret';
import { openStore } from '../../src/core/store';
import { tempDir } from '../helpers/temp';

async function homeWithStore(t: Parameters<typeof tempDir>[0]) {
  const home = tempDir(t);
  const store = await openStore(join(home, 'peer-backup.db'));
  t.after(() => store.close());
  return { home, store, file: join(home, storageSecretFileName) };
}

test('the CLI home keeps one storage secret: 32 bytes of base64 on one line, readable by its owner only, the same at every load', async (t) => {
  const { home, store, file } = await homeWithStore(t);
  const first = await loadOrCreateStorageSecretFile(home, store);
  assert.equal(first.length, 32);
  assert.equal(readFileSync(file, 'utf8'), `${first.toString('base64')}\n`);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(await loadOrCreateStorageSecretFile(home, store), first);
  assert.equal(await store.storageSecretFingerprint.get(), storageSecretFingerprint(first));
});

test('a storage secret that goes missing once used is refused, naming the file, and not made anew', async (t) => {
  const { home, store, file } = await homeWithStore(t);
  await loadOrCreateStorageSecretFile(home, store);
  rmSync(file);
  await assert.rejects(
    loadOrCreateStorageSecretFile(home, store),
    (err: Error) => err instanceof UserError && err.code === 'damaged' && err.message.includes(file) && /is missing/.test(err.message) && /Restore it/.test(err.message),
  );
  assert.throws(() => statSync(file), /ENOENT/);
});

test('a different storage secret than the one recorded is refused', async (t) => {
  const { home, store, file } = await homeWithStore(t);
  await loadOrCreateStorageSecretFile(home, store);
  writeFileSync(file, `${generateStorageSecret().toString('base64')}\n`, { mode: 0o600 });
  await assert.rejects(loadOrCreateStorageSecretFile(home, store), (err: Error) => err instanceof UserError && err.message.includes(file) && /not the one/.test(err.message));
});

test('a damaged storage secret file is reported, not replaced', async (t) => {
  const { home, store, file } = await homeWithStore(t);
  writeFileSync(file, 'not base64 at all\n', { mode: 0o600 });
  await assert.rejects(loadOrCreateStorageSecretFile(home, store), (err: Error) => err instanceof UserError && err.code === 'damaged' && err.message.includes(file));
  assert.equal(readFileSync(file, 'utf8'), 'not base64 at all\n');
});

/** Stands in for the editor's SecretStorage: shared by every window, with no create-if-absent. */
function sharedSlot(): SecretSlot & { writes: number; value: string | undefined } {
  const slot = {
    description: 'the test secret store',
    writes: 0,
    value: undefined as string | undefined,
    get: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return slot.value;
    },
    set: async (text: string) => {
      await new Promise((resolve) => setImmediate(resolve));
      slot.writes++;
      slot.value = text;
    },
  };
  return slot;
}

test('windows opening at once over one database make the editor storage secret once', async (t) => {
  const file = join(tempDir(t), 'peer-backup.db');
  const windows = await Promise.all([openStore(file), openStore(file), openStore(file)]);
  t.after(() => Promise.all(windows.map((store) => store.close())));
  const slot = sharedSlot();
  const secrets = await Promise.all(windows.map((store) => loadOrCreateStorageSecretInSlot(slot, store)));
  assert.equal(new Set(secrets.map((secret) => secret.toString('hex'))).size, 1);
  assert.equal(slot.writes, 1);
});

test('an emptied editor slot is refused once a secret was used, naming the slot', async (t) => {
  const { store } = await homeWithStore(t);
  const slot = sharedSlot();
  await loadOrCreateStorageSecretInSlot(slot, store);
  slot.value = undefined;
  await assert.rejects(loadOrCreateStorageSecretInSlot(slot, store), (err: Error) => err instanceof UserError && /the test secret store is missing/.test(err.message));
  assert.equal(slot.value, undefined);
});
