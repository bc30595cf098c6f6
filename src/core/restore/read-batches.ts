/**
 * Groups the selected entries into batches, each read with one request: at
 * most `maxIds` distinct chunks, and at most `maxBytes` of entries counted at
 * their largest. A chunk's stored size is not known before it is read, but a
 * file's chunks hold `size` bytes between them and none more than
 * maxChunkBytes, so n of them take at most min(n × maxChunkBytes, size) plus
 * each one's sealing and tar framing; a chunk that small files share holds
 * at most maxSharedChunkBytes. A chunk already in the batch costs nothing
 * more: it is read once and used again.
 *
 * A batch is a list of steps in tree order: an entry, then the chunks of its
 * content. A large file's chunks may run over several batches.
 */
import { maxChunkBytes } from '../chunk/chunk-seal';
import type { TreeEntry } from '../snapshot/tree-entry';
import type { ReadLimits } from './readable-snapshot';
import { storedBytesBound } from './slices';

export type Step = { entry: TreeEntry } | { chunk: string };

/** A sealed chunk's version, codec, nonce and tag, plus a tar header and padding around it. */
export const readEntryOverheadBytes = 30 + 1024;
/** Entries without content still wait for the next read; a batch holds at most this many steps, so a tree of empty files is not held whole. */
const maxStepsPerBatch = 16_384;

class Batch {
  readonly steps: Step[] = [];
  private readonly ids = new Set<string>();
  private bytes = 0;

  constructor(private readonly limits: ReadLimits) {}

  get full(): boolean {
    return this.steps.length >= maxStepsPerBatch;
  }

  /** Adds the chunk if it fits; `chunksOfFile` is how many distinct chunks of the same file the batch already counts. */
  tryAddChunk(id: string, fileSize: number, chunksOfFile: number): 'known' | 'added' | 'full' {
    if (this.ids.has(id)) {
      this.steps.push({ chunk: id });
      return 'known';
    }
    const cost = Math.min((chunksOfFile + 1) * maxChunkBytes, fileSize) - Math.min(chunksOfFile * maxChunkBytes, fileSize) + readEntryOverheadBytes;
    if (this.ids.size > 0 && (this.ids.size >= this.limits.maxIds || this.bytes + cost > this.limits.maxBytes)) return 'full';
    this.ids.add(id);
    this.bytes += cost;
    this.steps.push({ chunk: id });
    return 'added';
  }
}

/** `groups`: the entries in tree order, in groups of any size (tree-reader.ts). */
export async function* readBatches(groups: AsyncIterable<readonly TreeEntry[]>, limits: ReadLimits): AsyncGenerator<Step[]> {
  let batch = new Batch(limits);
  for await (const entries of groups) {
    for (const entry of entries) {
      if (batch.full) {
        yield batch.steps;
        batch = new Batch(limits);
      }
      batch.steps.push({ entry });
      if (entry.type !== 'file') continue;
      let chunksOfFile = 0;
      const fileSize = storedBytesBound(entry);
      for (const id of entry.chunks) {
        let outcome = batch.tryAddChunk(id, fileSize, chunksOfFile);
        if (outcome === 'full') {
          yield batch.steps;
          batch = new Batch(limits);
          chunksOfFile = 0;
          outcome = batch.tryAddChunk(id, fileSize, chunksOfFile);
        }
        if (outcome === 'added') chunksOfFile++;
      }
    }
  }
  if (batch.steps.length > 0) yield batch.steps;
}
