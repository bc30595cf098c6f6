/**
 * Writes restored entries into a tar stream as GNU tar reads them: names and
 * link targets are bytes (tar-entry.ts puts a name that is not UTF-8 in a GNU
 * long-name record, a long UTF-8 one in a pax record), with each entry's mode
 * and mtime. Symlinks are kept as they are, wherever they point: an archive
 * creates nothing until someone extracts it.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Pack } from 'tar-stream';
import { startEntry, addEntry, writeChunk, type OpenEntry } from '../pack/tar-entry';
import type { TreeEntry } from '../snapshot/tree-entry';
import type { EntrySink, FileEntry, FileWriter } from './entry-sink';

const slash = Buffer.from('/');
/** A header, plus a pax header or GNU long-name records for a long or non-UTF-8 name. */
const largestHeaderBytes = 1536;
/** How many header bytes may be queued before waiting for the compressor. */
const headerBacklogBytes = 1 << 20;

export class TarWriter implements EntrySink {
  private headerBacklog = 0;

  /** `compressor`: what the tar stream feeds; `signal` stops a wait for it when the archive fails or is cancelled. */
  constructor(
    private readonly tarStream: Pack,
    private readonly compressor: Writable,
    private readonly signal: AbortSignal,
  ) {}

  async directory(entry: Extract<TreeEntry, { type: 'directory' }>): Promise<void> {
    await this.roomForHeader();
    await addEntry(this.tarStream, { name: Buffer.concat([entry.path, slash]), type: 'directory', mode: entry.mode, mtime: new Date(entry.mtimeMs) });
  }

  async symlink(entry: Extract<TreeEntry, { type: 'symlink' }>): Promise<void> {
    await this.roomForHeader();
    await addEntry(this.tarStream, { name: entry.path, type: 'symlink', linkname: entry.target, mode: entry.mode, mtime: new Date(entry.mtimeMs) });
  }

  async file(entry: FileEntry): Promise<FileWriter> {
    await this.roomForHeader();
    const opened = startEntry(this.tarStream, { name: entry.path, type: 'file', size: entry.size, mode: entry.mode, mtime: new Date(entry.mtimeMs) });
    return new TarFile(opened, this.signal);
  }

  /**
   * Content waits for the compressor, but tar-stream queues headers without
   * backpressure: after a long run of folders, links and empty files, wait
   * for the compressor to catch up so the queue stays small.
   */
  private async roomForHeader(): Promise<void> {
    if (this.headerBacklog > headerBacklogBytes && this.compressor.writableNeedDrain) {
      await once(this.compressor, 'drain', { signal: this.signal });
      this.headerBacklog = 0;
    }
    this.headerBacklog += largestHeaderBytes;
  }
}

class TarFile implements FileWriter {
  constructor(
    private readonly opened: OpenEntry,
    private readonly signal: AbortSignal,
  ) {}

  async write(data: Buffer): Promise<void> {
    await writeChunk(this.opened.body, data, this.signal);
  }

  async finish(): Promise<void> {
    this.opened.body.end(null); // streamx typings want an argument; null adds no data
    await this.opened.done;
  }

  /** The archive is thrown away whole; the entry needs nothing of its own. */
  async abandon(): Promise<void> {}
}
