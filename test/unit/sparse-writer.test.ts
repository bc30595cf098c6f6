/**
 * SparseWriter, fed chunks that end part way through blocks or whole content
 * at once: the file reads back exactly as given, and whole blocks of zeros
 * become holes wherever they fall.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { SparseWriter } from '../../src/core/pack/sparse-writer';
import { tempDir } from '../helpers/temp';

const block = 4096;

/** Data, 64 blocks of zeros starting part way through a block, more data, and `tail` at the end. */
function contentEndingWith(tail: Buffer): Buffer {
  return Buffer.concat([randomBytes(block + 100), Buffer.alloc(64 * block), randomBytes(3 * block - 7), tail]);
}

async function written(path: string, feed: (writer: SparseWriter) => Promise<void>): Promise<Buffer> {
  const handle = await open(path, 'wx');
  try {
    await feed(new SparseWriter(handle));
  } finally {
    await handle.close();
  }
  return readFileSync(path);
}

test('chunks cut anywhere, even shorter than a block, read back as the content they add up to', async (t) => {
  const dir = tempDir(t);
  for (const [name, content] of [
    ['ends-in-data', contentEndingWith(randomBytes(10))],
    ['ends-in-a-hole', contentEndingWith(Buffer.alloc(8 * block + 5))],
  ] as const) {
    for (const cuts of [[3 * block + 1], [block - 1, 3, block + 1], [5000, 70_000, 123], [7, 7, 7, 300_000]]) {
      const path = join(dir, `${name}-${cuts.join('-')}`);
      const result = await written(path, async (writer) => {
        let at = 0;
        for (let index = 0; at < content.length; index++) {
          const size = cuts[index % cuts.length]!;
          await writer.write(content.subarray(at, at + size));
          at += size;
        }
        await writer.end();
      });
      assert.ok(result.equals(content), `${name} cut in pieces of ${cuts.join(', ')}`);
    }
  }
});

test('whole content is written in one go, zeros left as holes, the length kept when it ends in zeros', async (t) => {
  const dir = tempDir(t);
  for (const [name, content] of [
    ['small', Buffer.from('a small file\n')],
    ['zeros-only', Buffer.alloc(3 * block + 11)],
    ['ends-in-data', contentEndingWith(randomBytes(10))],
    ['ends-in-a-hole', contentEndingWith(Buffer.alloc(8 * block + 5))],
  ] as const) {
    const path = join(dir, name);
    const result = await written(path, (writer) => writer.writeWhole(content));
    assert.ok(result.equals(content), name);
  }
  const holes = statSync(join(dir, 'zeros-only'));
  assert.equal(holes.size, 3 * block + 11);
  if (statSync(join(dir, 'ends-in-data')).blocks * 512 < 68 * block) assert.equal(holes.blocks, 0, 'a file of zeros takes no blocks');
});
