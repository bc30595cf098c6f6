/**
 * How a restore groups its reads: small files that share a bundle chunk are
 * budgeted at the most a shared chunk may hold, so one read brings several
 * bundles; and a shared chunk longer than that is refused, since the read
 * that brought it was budgeted at that size.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readBatches, type Step } from '../../src/core/restore/read-batches';
import { sliceOf } from '../../src/core/restore/slices';
import { maxSharedChunkBytes, type TreeEntry } from '../../src/core/snapshot/tree-entry';

const fileBytes = 32 * 1024;
const filesPerBundle = 32;

function sliceEntry(bundle: number, index: number): TreeEntry & { type: 'file' } {
  return {
    type: 'file',
    path: Buffer.from(`ws/b${bundle}/f${index}`),
    mode: 0o644,
    mtimeMs: 0,
    size: fileBytes,
    chunks: [bundle.toString(16).padStart(64, '0')],
    offset: index * fileBytes,
  };
}

/** One group per bundle, as the tree reader would give them. */
async function* slicesOfBundles(bundles: number): AsyncIterable<TreeEntry[]> {
  for (let bundle = 0; bundle < bundles; bundle++) {
    yield Array.from({ length: filesPerBundle }, (_, index) => sliceEntry(bundle, index));
  }
}

function distinctChunks(batch: Step[]): number {
  return new Set(batch.flatMap((step) => ('chunk' in step ? [step.chunk] : []))).size;
}

test('a read of 4 MiB brings three bundles of small files, not one', async () => {
  const batches: Step[][] = [];
  for await (const batch of readBatches(slicesOfBundles(9), { maxIds: 4096, maxBytes: 4 * 1024 * 1024 })) batches.push(batch);

  assert.deepEqual(batches.map(distinctChunks), [3, 3, 3]);
  const entries = batches.flat().filter((step) => 'entry' in step);
  assert.equal(entries.length, 9 * filesPerBundle, 'every file is in a batch');
});

test('a slice is cut from a shared chunk up to the most such a chunk may hold, and refused beyond', () => {
  const entry = { ...sliceEntry(0, 0), offset: 10, size: 5 };
  const chunk = Buffer.alloc(maxSharedChunkBytes);
  chunk.write('hello', 10);
  assert.equal(sliceOf(entry, chunk)?.toString(), 'hello');
  assert.equal(sliceOf(entry, Buffer.alloc(maxSharedChunkBytes + 1)), undefined, 'longer than a shared chunk may be');
  assert.equal(sliceOf(entry, Buffer.alloc(14)), undefined, 'too short for the slice');
  const whole = { ...entry, offset: undefined, size: maxSharedChunkBytes + 1 };
  assert.equal(sliceOf(whole, Buffer.alloc(maxSharedChunkBytes + 1))?.length, maxSharedChunkBytes + 1, 'a file stored whole takes its chunk whole');
});
