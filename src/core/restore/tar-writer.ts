/**
 * Writes restored entries into a tar stream as GNU tar reads them: names and
 * link targets are bytes (tar-entry.ts puts a name that is not UTF-8 in a GNU
 * long-name record, a long UTF-8 one in a pax record), with each entry's mode
 * and mtime. Symlinks are kept as they are, wherever they point: an archive
 * creates nothing until someone extracts it.
 */
import type { Pack } from 'tar-stream';
import { startEntry, addEntry, writeChunk, type OpenEntry } from '../pack/tar-entry';
import type { TreeEntry } from '../snapshot/tree-entry';
import type { EntrySink, FileEntry, FileWriter } from './entry-sink';

const slash = Buffer.from('/');

export class TarWriter implements EntrySink {
  /** `signal` stops a write waiting for the compressor, when the archive fails or is cancelled. */
  constructor(
    private readonly tarStream: Pack,
    private readonly signal: AbortSignal,
  ) {}

  async directory(entry: Extract<TreeEntry, { type: 'directory' }>): Promise<void> {
    await addEntry(this.tarStream, { name: Buffer.concat([entry.path, slash]), type: 'directory', mode: entry.mode, mtime: new Date(entry.mtimeMs) });
  }

  async symlink(entry: Extract<TreeEntry, { type: 'symlink' }>): Promise<void> {
    await addEntry(this.tarStream, { name: entry.path, type: 'symlink', linkname: entry.target, mode: entry.mode, mtime: new Date(entry.mtimeMs) });
  }

  async file(entry: FileEntry): Promise<FileWriter> {
    const opened = startEntry(this.tarStream, { name: entry.path, type: 'file', size: entry.size, mode: entry.mode, mtime: new Date(entry.mtimeMs) });
    return new TarFile(opened, this.signal);
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
