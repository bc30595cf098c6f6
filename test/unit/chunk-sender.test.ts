/**
 * The chunk sender asks before it seals: a chunk the destination already
 * holds is never sealed or packed, and its plaintext is released at once; the
 * ones it lacks arrive in a pack that opens to their plaintext.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ChunkDestination, PackFile } from '../../src/core/backup/chunk-destination';
import { backupThread } from '../../src/core/backup/backup-thread';
import { ChunkSender } from '../../src/core/backup/chunk-sender';
import { PackShipper } from '../../src/core/backup/pack-shipper';
import { chunkIdOf } from '../../src/core/chunk/chunk-id';
import { deriveChunkKeys, generateStorageSecret } from '../../src/core/chunk/chunk-keys';
import { openChunk } from '../../src/core/chunk/chunk-seal';
import { ChunkSealer } from '../../src/core/chunk/chunk-sealer';
import { tempDir } from '../helpers/temp';

const keys = deriveChunkKeys(generateStorageSecret());

/** Holds the chunks named in `held`; keeps each pack's entries as GNU tar reads them. */
class Destination implements ChunkDestination {
  readonly packed = new Map<string, Buffer>();

  constructor(private readonly held: Set<string>) {}

  async missing(ids: string[]): Promise<Set<string>> {
    return new Set(ids.filter((id) => !this.held.has(id)));
  }

  async putPack(pack: PackFile): Promise<void> {
    for (const name of execFileSync('tar', ['-tf', pack.path], { encoding: 'utf8' }).trim().split('\n')) {
      this.packed.set(name, execFileSync('tar', ['-xOf', pack.path, name], { maxBuffer: 16 * 1024 * 1024 }));
    }
  }

  async commit(): Promise<never> {
    throw new Error('not used');
  }
}

test('a chunk the destination holds is released unsealed; one it lacks is sealed into a pack', async (t) => {
  const held = Buffer.alloc(2 * 1024 * 1024, 'held ');
  const lacking = Buffer.alloc(2 * 1024 * 1024, 'lacking ');
  const lackingCopy = Buffer.from(lacking);
  const heldId = chunkIdOf(keys.chunkIdKey, held);
  const destination = new Destination(new Set([heldId]));
  const shipper = new PackShipper(destination, join(tempDir(t), 'pack-'), undefined, () => undefined);
  const thread = backupThread(keys);
  const sender = new ChunkSender(keys, new ChunkSealer(thread), destination, shipper, undefined, () => undefined);
  t.after(async () => {
    await sender.settle();
    await thread.close();
    await shipper.close();
  });

  assert.equal(await sender.addSealed(held), heldId);
  const lackingId = await sender.addSealed(lacking);
  // The same content again, in a buffer of its own: queued once, and this copy released at once.
  const again = Buffer.from(lackingCopy);
  assert.equal(await sender.addSealed(again), lackingId);
  assert.equal(again.length, 0);
  await sender.finish();
  await shipper.finish();

  assert.equal(held.length, 0, 'the held chunk was released');
  assert.deepEqual([...destination.packed.keys()], [lackingId]);
  assert.ok(openChunk(keys, lackingId, destination.packed.get(lackingId)!).equals(lackingCopy));
});
