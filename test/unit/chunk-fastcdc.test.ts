import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { CHUNK_AVERAGE, CHUNK_MAX, CHUNK_MIN, FastCdcChunker } from '../../src/core/chunk/fastcdc';
import { GEAR } from '../../src/core/chunk/gear-table';
import { seededBytes } from '../helpers/seeded-bytes';

const MiB = 1024 * 1024;

/** Chunks `data` fed in reads of `readSize` bytes. */
function chunksOf(data: Uint8Array, readSize = MiB, chunker = new FastCdcChunker()): Buffer[] {
  const chunks: Buffer[] = [];
  for (let start = 0; start < data.length; start += readSize) chunks.push(...chunker.push(data.subarray(start, start + readSize)));
  const last = chunker.end();
  if (last) chunks.push(last);
  return chunks;
}

const sha256 = (chunk: Uint8Array): string => createHash('sha256').update(chunk).digest('hex');
const lengths = (chunks: Buffer[]): number[] => chunks.map((chunk) => chunk.length);

test('the gear table is the one derived from the stated seed, value for value', () => {
  assert.equal(GEAR[0] >>> 0, 0x474d7a73);
  assert.equal(GEAR[255] >>> 0, 0xb674f018);
  const bigEndian = Buffer.alloc(1024);
  GEAR.forEach((value, i) => bigEndian.writeInt32BE(value, 4 * i));
  assert.equal(sha256(bigEndian), '5016747aff6816dd74639ebe68e2328a7e37abf8b1c62b1f8d5260cc46cc2aef');
});

test('the same bytes give the same cut points, in any run on any machine', () => {
  const data = seededBytes(16 * MiB, 1);
  const first = chunksOf(data);
  // The test vector in docs/PROTOCOL.md ("Chunking").
  assert.deepEqual(lengths(first), [
    1659955, 625533, 1194655, 1211970, 1396161, 1226266, 1236382, 1945936, 948589, 1304306, 1310534, 1063118, 1195436, 458375,
  ]);
  assert.deepEqual(chunksOf(data).map(sha256), first.map(sha256));
  assert.deepEqual(Buffer.concat(first), data);
});

test('on 64 MiB of random data every chunk but the last is within [min, max] and the mean is within 25% of 1 MiB', () => {
  const data = seededBytes(64 * MiB, 2);
  const chunks = chunksOf(data);
  for (const chunk of chunks.slice(0, -1)) {
    assert.ok(chunk.length >= CHUNK_MIN && chunk.length <= CHUNK_MAX, `a chunk of ${chunk.length} bytes`);
  }
  assert.ok(chunks.at(-1)!.length <= CHUNK_MAX);
  const mean = data.length / chunks.length;
  assert.ok(Math.abs(mean - CHUNK_AVERAGE) <= 0.25 * CHUNK_AVERAGE, `mean chunk ${(mean / MiB).toFixed(3)} MiB`);
  assert.deepEqual(Buffer.concat(chunks), data);
});

test('data without a cut point is cut at the maximum', () => {
  assert.deepEqual(lengths(chunksOf(Buffer.alloc(20 * MiB))), [CHUNK_MAX, CHUNK_MAX, 4 * MiB]);
});

test('100 bytes inserted near the start change only the first chunks; every later one keeps its hash', () => {
  const original = seededBytes(32 * MiB, 3);
  const edited = Buffer.concat([original.subarray(0, 1000), seededBytes(100, 4), original.subarray(1000)]);
  const before = chunksOf(original).map(sha256);
  const after = chunksOf(edited).map(sha256);

  const changed = after.findIndex((hash) => before.includes(hash));
  assert.ok(changed >= 1 && changed <= 2, `${changed} chunks changed`);
  const kept = after.slice(changed);
  assert.ok(kept.length >= 20, `only ${kept.length} chunks kept`);
  assert.deepEqual(kept, before.slice(before.length - kept.length));
});

test('reads of 1 byte, 4 KiB, an odd size, 1 MiB or the whole stream give identical chunks', () => {
  // Random data around a run of zeros, so a chunk also ends at the maximum.
  const data = Buffer.concat([seededBytes(3 * MiB, 5), Buffer.alloc(9 * MiB), seededBytes(2 * MiB + 12345, 6)]);
  const whole = chunksOf(data, data.length);
  assert.ok(whole.length >= 4 && whole.some((chunk) => chunk.length === CHUNK_MAX), `chunks of ${lengths(whole).join(', ')} bytes`);
  const expected = whole.map(sha256);
  for (const readSize of [1, 4096, 99_991, MiB]) {
    assert.deepEqual(chunksOf(data, readSize).map(sha256), expected, `reads of ${readSize} bytes`);
  }
});

test('a file no larger than the minimum is one chunk', () => {
  for (const size of [1, 1000, CHUNK_MIN - 1, CHUNK_MIN]) {
    const data = seededBytes(size, 7);
    const chunks = chunksOf(data, 4096);
    assert.equal(chunks.length, 1, `${size} bytes`);
    assert.deepEqual(chunks[0], data);
  }
});

test('an empty stream gives no chunk', () => {
  const chunker = new FastCdcChunker();
  assert.equal(chunker.end(), undefined);
  assert.deepEqual(chunker.push(Buffer.alloc(0)), []);
  assert.equal(chunker.end(), undefined);
});

test('after end, the chunker splits the next stream as a fresh one would', () => {
  const chunker = new FastCdcChunker();
  // Ends mid-hash: past the minimum, before any cut.
  assert.deepEqual(chunker.push(seededBytes(CHUNK_MIN + 4096, 8)), []);
  assert.equal(chunker.end()?.length, CHUNK_MIN + 4096);
  const next = seededBytes(8 * MiB, 9);
  assert.deepEqual(chunksOf(next, MiB, chunker).map(sha256), chunksOf(next).map(sha256));
});
