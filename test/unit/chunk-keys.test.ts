import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkIdOf, isChunkId } from '../../src/core/chunk/chunk-id';
import { deriveChunkKeys, generateStorageSecret } from '../../src/core/chunk/chunk-keys';

// Secret 00 01 .. 1f; the expected keys and ID were also computed with the openssl command line
// (openssl kdf HKDF, openssl dgst -mac HMAC), so they pin the storage format, not this code.
const vectorSecret = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const vectorChunkIdKey = '83446f60d9608f2d0db5b91c9f8fe8085dac6e5c6386f45dcd325f040e224505';
const vectorSealKey = 'f373a515ee79353b4896ecf3ae4b1d5caff6de967094bd47c959d73fb4ebb107';
const vectorChunkId = 'fb826e4639a7d0baf0d1204cb36738170b00db2a57cdb88fa42bcfc846f67c3e';

test('the keys derive from the storage secret by HKDF-SHA-256 with the documented info strings', () => {
  const keys = deriveChunkKeys(vectorSecret);
  assert.equal(keys.chunkIdKey.export().toString('hex'), vectorChunkIdKey);
  assert.equal(keys.sealKey.export().toString('hex'), vectorSealKey);
  assert.equal(chunkIdOf(keys.chunkIdKey, Buffer.from('hello, chunk')), vectorChunkId);
});

test('a fresh storage secret is 32 random bytes, and the two keys it gives differ from it and from each other', () => {
  const secret = generateStorageSecret();
  assert.equal(secret.length, 32);
  assert.notDeepEqual(generateStorageSecret(), secret);
  const keys = deriveChunkKeys(secret);
  const idKey = keys.chunkIdKey.export();
  const sealKey = keys.sealKey.export();
  assert.equal(idKey.length, 32);
  assert.equal(sealKey.length, 32);
  assert.notDeepEqual(idKey, sealKey);
  assert.notDeepEqual(idKey, secret);
  assert.notDeepEqual(sealKey, secret);
});

test('a secret of the wrong length is refused rather than stretched', () => {
  assert.throws(() => deriveChunkKeys(Buffer.alloc(31)), /a storage secret is 32 bytes, got 31/);
  assert.throws(() => deriveChunkKeys(Buffer.alloc(64)), /a storage secret is 32 bytes, got 64/);
});

test('equal plaintexts get equal IDs under one secret, and different IDs under another', () => {
  const secret = generateStorageSecret();
  const plaintext = Buffer.from('export const answer = 42;\n');
  const id = chunkIdOf(deriveChunkKeys(secret).chunkIdKey, plaintext);
  assert.ok(isChunkId(id), id);
  assert.equal(chunkIdOf(deriveChunkKeys(Buffer.from(secret)).chunkIdKey, Buffer.from(plaintext)), id);
  assert.notEqual(chunkIdOf(deriveChunkKeys(generateStorageSecret()).chunkIdKey, plaintext), id);
  assert.notEqual(chunkIdOf(deriveChunkKeys(secret).chunkIdKey, Buffer.from('export const answer = 43;\n')), id);
});

test('only 64 lowercase hex digits are a chunk ID', () => {
  assert.ok(isChunkId(vectorChunkId));
  assert.ok(!isChunkId(vectorChunkId.toUpperCase()));
  assert.ok(!isChunkId(vectorChunkId.slice(1)));
  assert.ok(!isChunkId(`${vectorChunkId}0`));
  assert.ok(!isChunkId(`${vectorChunkId.slice(1)}g`));
});
