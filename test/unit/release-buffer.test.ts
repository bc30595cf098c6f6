import assert from 'node:assert/strict';
import { test } from 'node:test';
import { releaseBuffer } from '../../src/core/util/release-buffer';

test('the test command runs Node as the peer-backup command does, with ArrayBuffer.prototype.transfer', () => {
  assert.equal(typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer, 'function');
});

test('a buffer that is the whole of its memory is emptied at once', () => {
  const whole = Buffer.alloc(1024 * 1024, 1);
  releaseBuffer(whole);
  assert.equal(whole.length, 0);
  assert.equal(whole.buffer.byteLength, 0);
  // Its memory is already gone (detached): a second release, or one of an empty buffer, does nothing.
  releaseBuffer(whole);
  releaseBuffer(Buffer.alloc(0));
});

test('a slice of shared memory is left alone, and so is everything else in it', () => {
  const pooled = Buffer.from('in the pool');
  const neighbour = Buffer.from('next to it');
  assert.equal(pooled.buffer, neighbour.buffer, 'both small buffers share Node\'s pool');
  releaseBuffer(pooled);
  assert.equal(pooled.toString(), 'in the pool');
  assert.equal(neighbour.toString(), 'next to it');

  const memory = new ArrayBuffer(4096);
  const part = new Uint8Array(memory, 0, 1024);
  releaseBuffer(part);
  assert.equal(memory.byteLength, 4096);
});
