/**
 * A chunk source backed by a folder of stored chunks, one file per ID, for
 * restore tests: it answers like the receiver (in the order asked, each read
 * within the protocol's limits, a missing chunk failing the read before any
 * bytes) and records every read, so a test can say which chunks were read.
 */
import { mkdirSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChunkSource, StoredChunk } from '../../src/core/restore';
import { maxBytesPerRead, maxIdsPerRead } from '../../src/core/wire/chunk-protocol';

/** A tar header and the padding after an entry's content, as the receiver's answer frames each chunk. */
const tarFramingBytes = 512 + 511;

export class FolderChunkSource implements ChunkSource {
  /** The IDs of each read, in order. */
  readonly reads: string[][] = [];

  constructor(readonly folder: string) {
    mkdirSync(folder, { recursive: true });
  }

  pathOf(id: string): string {
    return join(this.folder, id);
  }

  async put(id: string, bytes: Buffer): Promise<void> {
    await writeFile(this.pathOf(id), bytes);
  }

  /** Every ID read so far, each as often as it was asked for. */
  get idsRead(): string[] {
    return this.reads.flat();
  }

  async *read(ids: string[], signal?: AbortSignal): AsyncIterable<StoredChunk> {
    if (ids.length === 0 || ids.length > maxIdsPerRead) throw new Error(`a read asks for 1 to ${maxIdsPerRead} chunks, got ${ids.length}`);
    if (new Set(ids).size !== ids.length) throw new Error('a read asked for a chunk twice');
    this.reads.push([...ids]);
    let bytes = 0;
    for (const id of ids) bytes += (await stat(this.pathOf(id))).size + tarFramingBytes;
    if (bytes > maxBytesPerRead) throw new Error(`a read of ${bytes} bytes is over the ${maxBytesPerRead} a read may take`);
    for (const id of ids) {
      signal?.throwIfAborted();
      yield { id, bytes: await readFile(this.pathOf(id)) };
    }
  }
}
