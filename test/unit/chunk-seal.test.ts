import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { test } from 'node:test';
import { brotliCompressSync, constants, createBrotliCompress } from 'node:zlib';
import { CCtx, CParameter, compress, compressBound, getFrameContentSize } from 'zstd-napi/binding';
import { chunkIdOf } from '../../src/core/chunk/chunk-id';
import { deriveChunkKeys, generateStorageSecret, type ChunkKeys } from '../../src/core/chunk/chunk-keys';
import { maxChunkBytes, openChunk, sealChunk } from '../../src/core/chunk/chunk-seal';
import { UserError } from '../../src/core/errors';

const keys = deriveChunkKeys(generateStorageSecret());
const overhead = 1 + 1 + 12 + 16;
const source = Buffer.from(
  Array.from({ length: 400 }, (_, i) => `export function handler${i}(request: Request): Response {\n  return respond(request, ${i});\n}\n`).join(''),
);

/** Seals `body` by the documented layout alone, as another implementation would. */
function sealByHand(sealKeys: ChunkKeys, chunkId: string, codec: number, body: Buffer): Buffer {
  const header = Buffer.concat([Buffer.from([1, codec]), randomBytes(12)]);
  const cipher = createCipheriv('aes-256-gcm', sealKeys.sealKey, header.subarray(2), { authTagLength: 16 });
  cipher.setAAD(Buffer.concat([header.subarray(0, 2), Buffer.from(chunkId, 'hex')]));
  return Buffer.concat([header, cipher.update(body), cipher.final(), cipher.getAuthTag()]);
}

/** A Zstandard frame of `plaintext`, made by the library itself, as another implementation would. */
function zstdFrame(plaintext: Buffer): Buffer {
  const out = Buffer.alloc(compressBound(plaintext.length));
  return out.subarray(0, compress(out, plaintext, 3));
}

function refused(code: string, message: RegExp) {
  return (err: unknown) => err instanceof UserError && err.code === code && message.test(err.message);
}

test('a compressible chunk is sealed compressed and opens to the same bytes under its ID', () => {
  const { id, sealed } = sealChunk(keys, source);
  assert.equal(id, chunkIdOf(keys.chunkIdKey, source));
  assert.equal(sealed[0], 1, 'format version');
  assert.equal(sealed[1], 2, 'codec: Zstandard');
  assert.ok(sealed.length < source.length / 4, `${sealed.length} bytes sealed from ${source.length}`);
  assert.deepEqual(openChunk(keys, id, sealed), source);
});

test('an incompressible chunk is stored as it is, behind the same header and tag', () => {
  const plaintext = randomBytes(256 * 1024);
  const { id, sealed } = sealChunk(keys, plaintext);
  assert.equal(sealed[1], 0, 'codec: stored');
  assert.equal(sealed.length, plaintext.length + overhead);
  assert.deepEqual(openChunk(keys, id, sealed), plaintext);
});

test('an empty chunk and chunks of exactly the maximum size, compressible or not, round-trip', () => {
  const cases = [
    { plaintext: Buffer.alloc(0), codec: 0 },
    { plaintext: randomBytes(maxChunkBytes), codec: 0 },
    { plaintext: Buffer.alloc(maxChunkBytes, source), codec: 2 },
  ];
  for (const { plaintext, codec } of cases) {
    const { id, sealed } = sealChunk(keys, plaintext);
    assert.equal(sealed[1], codec, `codec for ${plaintext.length} bytes`);
    assert.deepEqual(openChunk(keys, id, sealed), plaintext);
  }
  assert.throws(() => sealChunk(keys, Buffer.alloc(maxChunkBytes + 1)), /a chunk holds at most 8388608 bytes, got 8388609/);
});

test('two seals of one plaintext carry different nonces and ciphertexts yet open to the same bytes', () => {
  const first = sealChunk(keys, source);
  const second = sealChunk(keys, source);
  assert.equal(second.id, first.id);
  assert.notDeepEqual(second.sealed.subarray(2, 14), first.sealed.subarray(2, 14));
  assert.notDeepEqual(second.sealed.subarray(14), first.sealed.subarray(14));
  assert.deepEqual(openChunk(keys, second.id, second.sealed), openChunk(keys, first.id, first.sealed));
});

test('changing any byte of a sealed chunk (version, codec, nonce, ciphertext or tag) is refused', () => {
  const { id, sealed } = sealChunk(keys, source.subarray(0, 2000));
  assert.equal(sealed[1], 2);
  for (let at = 0; at < sealed.length; at++) {
    const altered = Buffer.from(sealed);
    altered[at]! ^= 0x01;
    assert.throws(
      () => openChunk(keys, id, altered),
      at === 0 ? refused('damaged', /^Chunk [0-9a-f]{64} is in storage format 0, which this version of Peer Backup cannot read: update Peer Backup/) : refused('tampered', /fails its authentication check: it was altered/),
      `byte ${at} of ${sealed.length} changed unnoticed`,
    );
  }
});

test('a sealed chunk cut short, grown, or opened with another storage key is refused', () => {
  const { id, sealed } = sealChunk(keys, source);
  assert.throws(() => openChunk(keys, id, sealed.subarray(0, sealed.length - 1)), refused('tampered', /fails its authentication check/));
  assert.throws(() => openChunk(keys, id, Buffer.concat([sealed, Buffer.alloc(1)])), refused('tampered', /fails its authentication check/));
  assert.throws(() => openChunk(keys, id, sealed.subarray(0, overhead - 1)), refused('tampered', new RegExp(`copy of chunk ${id} is 29 bytes, a size no sealed chunk has`)));
  assert.throws(() => openChunk(keys, id, Buffer.alloc(overhead + maxChunkBytes + 1, 1)), refused('tampered', /a size no sealed chunk has/));
  assert.throws(() => openChunk(deriveChunkKeys(generateStorageSecret()), id, sealed), refused('tampered', /fails its authentication check/));
});

test("a sealed chunk opened under another chunk's ID is refused", () => {
  const a = sealChunk(keys, source);
  const b = sealChunk(keys, randomBytes(1000));
  assert.throws(() => openChunk(keys, b.id, a.sealed), refused('tampered', new RegExp(`copy of chunk ${b.id} fails its authentication check`)));
  assert.throws(() => openChunk(keys, 'not-an-id\u001b[2J', a.sealed), /^Error: not a chunk ID: "not-an-id\\x1b\[2J"$/);
});

test('the layout is all there is: a chunk sealed by hand from the documented format opens, with each codec', () => {
  const id = chunkIdOf(keys.chunkIdKey, source);
  assert.deepEqual(openChunk(keys, id, sealByHand(keys, id, 2, zstdFrame(source))), source);
  assert.deepEqual(openChunk(keys, id, sealByHand(keys, id, 0, source)), source);
  // Brotli, what earlier versions sealed with, still opens.
  assert.deepEqual(openChunk(keys, id, sealByHand(keys, id, 1, brotliCompressSync(source))), source);
});

test('an authentic chunk whose plaintext has another ID, or an unknown codec, is refused', () => {
  const otherId = chunkIdOf(keys.chunkIdKey, Buffer.from('something else'));
  assert.throws(() => openChunk(keys, otherId, sealByHand(keys, otherId, 0, source)), refused('damaged', /opens to data whose ID is another/));
  const id = chunkIdOf(keys.chunkIdKey, source);
  assert.throws(() => openChunk(keys, id, sealByHand(keys, id, 3, source)), refused('damaged', /compressed with codec 3, which this version of Peer Backup cannot read/));
  assert.throws(() => openChunk(keys, id, sealByHand(keys, id, 1, source)), refused('damaged', /does not decompress/));
  assert.throws(() => openChunk(keys, id, sealByHand(keys, id, 2, source)), refused('damaged', /does not decompress/));
  const frame = zstdFrame(source);
  assert.throws(() => openChunk(keys, id, sealByHand(keys, id, 2, Buffer.concat([frame, frame]))), refused('damaged', /does not decompress/), 'two frames');
  assert.throws(() => openChunk(keys, id, sealByHand(keys, id, 2, frame.subarray(0, frame.length - 1))), refused('damaged', /does not decompress/), 'a frame cut short');
  const corrupt = Buffer.from(frame);
  corrupt[corrupt.length >> 1]! ^= 0xff;
  assert.throws(() => openChunk(keys, id, sealByHand(keys, id, 2, corrupt)), refused('damaged', /does not decompress|opens to data whose ID is another/), 'a frame altered inside');
});

test('a Zstandard chunk that says it holds more than 8 MiB is refused before anything is allocated for it', () => {
  const large = Buffer.alloc(maxChunkBytes + 1);
  const bomb = zstdFrame(large);
  assert.ok(bomb.length < 4096, `the frame is ${bomb.length} bytes`);
  const id = chunkIdOf(keys.chunkIdKey, Buffer.from('anything'));
  assert.throws(() => openChunk(keys, id, sealByHand(keys, id, 2, bomb)), refused('damaged', /unpacks to more than 8388608 bytes, the most a chunk holds/));
});

test('a Zstandard chunk whose frame does not record its size is refused: every chunk this version seals records it', () => {
  const compressor = new CCtx();
  compressor.setParameter(CParameter.contentSizeFlag, 0);
  const out = Buffer.alloc(compressBound(source.length));
  const unsized = out.subarray(0, compressor.compress2(out, source));
  assert.equal(getFrameContentSize(unsized), null);
  const id = chunkIdOf(keys.chunkIdKey, source);
  assert.throws(() => openChunk(keys, id, sealByHand(keys, id, 2, unsized)), refused('damaged', /does not decompress/));
});

test('a chunk that would decompress to 512 MiB is refused at the bound without being held whole', async () => {
  const zeros = Buffer.alloc(1024 * 1024);
  const compressor = createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_LGWIN]: 24 } });
  const parts: Buffer[] = [];
  compressor.on('data', (part: Buffer) => parts.push(part));
  for (let mib = 0; mib < 512; mib++) compressor.write(zeros);
  compressor.end();
  await once(compressor, 'end');
  const bomb = Buffer.concat(parts);
  assert.ok(bomb.length < maxChunkBytes, `the bomb is ${bomb.length} bytes, small enough to pass the size check`);

  const id = chunkIdOf(keys.chunkIdKey, Buffer.from('anything'));
  const sealed = sealByHand(keys, id, 1, bomb);
  const peakBefore = process.resourceUsage().maxRSS;
  assert.throws(() => openChunk(keys, id, sealed), refused('damaged', /unpacks to more than 8388608 bytes, the most a chunk holds/));
  // Unpacking it whole would raise the peak by 512 MiB or more; the bound keeps the rise near the 8 MiB it allows.
  const risenKiB = process.resourceUsage().maxRSS - peakBefore;
  assert.ok(risenKiB < 128 * 1024, `peak memory rose by ${risenKiB} KiB`);
});
