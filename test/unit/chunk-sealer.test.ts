/**
 * Sealing on the backup's thread: what comes back is what sealNamedChunk
 * makes (it opens, under its ID, to the plaintext), in the order asked,
 * whatever the plaintext's size; a chunk that cannot be sealed fails alone.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { backupThread } from '../../src/core/backup/backup-thread';
import { chunkIdOf } from '../../src/core/chunk/chunk-id';
import { deriveChunkKeys, generateStorageSecret } from '../../src/core/chunk/chunk-keys';
import { maxChunkBytes, openChunk } from '../../src/core/chunk/chunk-seal';
import { ChunkSealer } from '../../src/core/chunk/chunk-sealer';

const keys = deriveChunkKeys(generateStorageSecret());
const text = (index: number, bytes: number) => Buffer.from(`line ${index} of a source file\n`.repeat(Math.ceil(bytes / 28))).subarray(0, bytes);

test('chunks sealed on the thread come back in order and open, under their IDs, to their plaintext', async (t) => {
  const thread = backupThread(keys);
  t.after(() => thread.close());
  const sealer = new ChunkSealer(thread);
  // Sizes from a few bytes (a slice of Node's shared pool) to the largest chunk, compressible or not.
  const plaintexts = [text(0, 10), text(1, 3000), randomBytes(5000), text(3, 1024 * 1024), randomBytes(maxChunkBytes), Buffer.alloc(0)];
  const expected = plaintexts.map((plaintext) => ({ id: chunkIdOf(keys.chunkIdKey, plaintext), plaintext: Buffer.from(plaintext) }));

  const sealed = await Promise.all(expected.map(({ id }, index) => sealer.seal(id, plaintexts[index]!)));

  const joined = sealed.map((pieces) => Buffer.concat(pieces));
  joined.forEach((chunk, index) => {
    const { id, plaintext } = expected[index]!;
    assert.ok(openChunk(keys, id, chunk).equals(plaintext), `chunk ${index}`);
  });
  assert.equal(joined[3]![1], 2, 'a compressible chunk is sealed compressed');
  assert.equal(joined[4]![1], 0, 'random bytes are stored as they are');
  // Handing over a pooled slice must not take the pool from other buffers.
  assert.equal(Buffer.from('still usable').toString(), 'still usable');
});

test('a chunk that cannot be sealed fails alone, and the thread seals the next one', async (t) => {
  const thread = backupThread(keys);
  t.after(() => thread.close());
  const sealer = new ChunkSealer(thread);
  const tooLarge = Buffer.alloc(maxChunkBytes + 1);
  const next = text(7, 2000);
  const nextId = chunkIdOf(keys.chunkIdKey, next);

  await assert.rejects(sealer.seal('a'.repeat(64), tooLarge), /sealing chunk a{64} failed: a chunk holds at most 8388608 bytes/);
  assert.ok(openChunk(keys, nextId, Buffer.concat(await sealer.seal(nextId, Buffer.from(next)))).equals(next));
});
