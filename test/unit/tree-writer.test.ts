import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { ChunkSender } from '../../src/core/backup/chunk-sender';
import { TreeWriter } from '../../src/core/backup/tree-writer';
import { FastCdcChunker } from '../../src/core/chunk/fastcdc';
import { encodeTreeEntry, type TreeEntry } from '../../src/core/snapshot/tree-entry';

const idOf = (index: number) => createHash('sha256').update(String(index)).digest('hex');

test('tree chunks are the lines cut as one stream, however long the lines, gathered or handed over encoded', async () => {
  const entries: TreeEntry[] = [];
  for (let index = 0; index < 20_000; index++) {
    // Now and then a file of many chunks, whose line is longer than the lines gathered at once.
    const chunks = index % 5_000 === 17 ? Array.from({ length: 2_000 }, (_, each) => idOf(each)) : [idOf(index)];
    entries.push({ type: 'file', path: Buffer.from(`dir-${Math.floor(index / 100)}/fïle-${index}`), mode: 0o644, mtimeMs: 1_700_000_000_000 + index, size: index, chunks });
  }
  const sent: Buffer[] = [];
  const sender = { addSealed: async (chunk: Buffer) => (sent.push(chunk), createHash('sha256').update(chunk).digest('hex')) } as unknown as ChunkSender;
  const writer = new TreeWriter(sender);
  // Some runs of lines come already encoded, as a bundle's waiting entries do.
  for (let index = 0; index < entries.length; index++) {
    if (index % 1_000 < 300) await writer.add(entries[index]!);
    else {
      const run = entries.slice(index, index + 700 - (index % 1_000 - 300));
      await writer.addLines(Buffer.from(run.map(encodeTreeEntry).join(''), 'utf8'));
      index += run.length - 1;
    }
  }
  const ids = await writer.finish();

  const chunker = new FastCdcChunker();
  const expected = [...chunker.push(Buffer.from(entries.map(encodeTreeEntry).join(''), 'utf8'))];
  const last = chunker.end();
  if (last) expected.push(last);
  assert.ok(expected.length > 3, `${expected.length} chunks`);
  assert.deepEqual(sent, expected);
  assert.equal(ids.length, expected.length);
});
