import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PackWriter } from '../../src/core/backup/pack-writer';
import { tempDir } from '../helpers/temp';

test('a pack holds each entry as its pieces joined, and releases the pieces once the file has them', async (t) => {
  const path = join(tempDir(t), 'pack.tar');
  const writer = new PackWriter(path);
  const sizes = [[14, 3 * 1024 * 1024, 16], [14, 700_000, 16], [5000]];
  const entries = sizes.map((pieceSizes, index) => ({
    name: String(index).repeat(64),
    pieces: pieceSizes.map((size, piece) => Buffer.alloc(size, 16 * index + piece + 1)),
  }));
  const expected = entries.map(({ name, pieces }) => ({ name, content: Buffer.concat(pieces) }));

  for (const { name, pieces } of entries) await writer.add(name, pieces);
  const pack = await writer.finish();

  for (const { pieces } of entries) for (const piece of pieces) assert.equal(piece.length, 0, 'released');
  assert.equal(pack.chunks, 3);
  assert.equal(pack.id, createHash('sha256').update(readFileSync(path)).digest('hex'));
  assert.deepEqual(execFileSync('tar', ['-tf', path], { encoding: 'utf8' }).trim().split('\n'), expected.map(({ name }) => name));
  for (const { name, content } of expected) assert.ok(execFileSync('tar', ['-xOf', path, name], { maxBuffer: 8 * 1024 * 1024 }).equals(content), name);
});
