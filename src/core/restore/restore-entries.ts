/**
 * The part of a restore that a folder and an archive share: read the tree,
 * keep the selected entries, read their chunks in batches and hand each entry
 * and its content to the sink in tree order. A file whose chunks do not add
 * up to its recorded size, or a selection holding more file content than the
 * manifest records for the whole snapshot, fails as damaged before the
 * excess is written.
 */
import { printable } from '../printable';
import type { TreeEntry } from '../snapshot/tree-entry';
import type { EntrySink, FileEntry, FileWriter } from './entry-sink';
import { readInOrder } from './ordered-reads';
import { readBatches, type Step } from './read-batches';
import { defaultReadLimits, type ReadableSnapshot } from './readable-snapshot';
import { selectedEntries, type Selection } from './selection';
import { sliceOf } from './slices';
import { damagedSnapshot } from './snapshot-errors';
import { readTree } from './tree-reader';

export interface EntryCounts {
  files: number;
  directories: number;
  symlinks: number;
  /** File content bytes written. */
  bytes: number;
}

export async function restoreEntries(snapshot: ReadableSnapshot, selection: Selection, sink: EntrySink, signal?: AbortSignal): Promise<EntryCounts> {
  const restorer = new EntryRestorer(snapshot, sink, signal);
  const entries = selectedEntries(readTree(snapshot, signal), selection, snapshot.manifest);
  try {
    for await (const steps of readBatches(entries, snapshot.limits ?? defaultReadLimits)) await restorer.run(steps);
    await restorer.finishFile();
  } finally {
    await restorer.abandonFile();
  }
  return restorer.counts;
}

/** The file being written: its entry, its writer and how much of it has come. */
interface OpenFile {
  entry: FileEntry;
  writer: FileWriter;
  written: number;
}

class EntryRestorer {
  readonly counts: EntryCounts = { files: 0, directories: 0, symlinks: 0, bytes: 0 };
  private declaredBytes = 0;
  private current: OpenFile | undefined;

  constructor(
    private readonly snapshot: ReadableSnapshot,
    private readonly sink: EntrySink,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** One batch: its chunks are read with one request, and each is written as it comes. */
  async run(steps: readonly Step[]): Promise<void> {
    const content = readInOrder(this.snapshot, chunkIdsOf(steps), this.signal);
    try {
      for (const step of steps) {
        if ('entry' in step) {
          await this.begin(step.entry);
          continue;
        }
        const next = await content.next();
        if (next.done) throw damagedSnapshot(this.snapshot.manifest, 'the store answered with fewer chunks than asked for');
        await this.write(next.value);
      }
    } finally {
      await content.return(undefined);
    }
  }

  async finishFile(): Promise<void> {
    const file = this.current;
    if (file === undefined) return;
    if (file.written !== file.entry.size) throw this.sizeMismatch(file.entry, file.written);
    this.current = undefined;
    await file.writer.finish();
    this.counts.files++;
    this.counts.bytes += file.written;
  }

  async abandonFile(): Promise<void> {
    const file = this.current;
    this.current = undefined;
    await file?.writer.abandon();
  }

  private async begin(entry: TreeEntry): Promise<void> {
    await this.finishFile();
    this.signal?.throwIfAborted();
    if (entry.type === 'directory') {
      await this.sink.directory(entry);
      this.counts.directories++;
    } else if (entry.type === 'symlink') {
      await this.sink.symlink(entry);
      this.counts.symlinks++;
    } else {
      const { contentBytes } = this.snapshot.manifest;
      this.declaredBytes += entry.size;
      if (this.declaredBytes > contentBytes) {
        throw damagedSnapshot(this.snapshot.manifest, `its tree holds more file content than the ${contentBytes} bytes its manifest records (at "${shown(entry.path)}")`);
      }
      this.current = { entry, writer: await this.sink.file(entry), written: 0 };
    }
  }

  private async write(chunk: Buffer): Promise<void> {
    const file = this.current!;
    const data = sliceOf(file.entry, chunk);
    if (data === undefined) throw damagedSnapshot(this.snapshot.manifest, `the chunk of "${shown(file.entry.path)}" is too short for the slice its tree line records`);
    if (file.written + data.length > file.entry.size) throw this.sizeMismatch(file.entry, file.written + data.length);
    file.written += data.length;
    await file.writer.write(data);
  }

  private sizeMismatch(entry: FileEntry, bytes: number) {
    const held = bytes > entry.size ? `more than the ${entry.size} bytes its tree line records` : `${bytes} bytes, but its tree line records ${entry.size}`;
    return damagedSnapshot(this.snapshot.manifest, `the chunks of "${shown(entry.path)}" hold ${held}`);
  }
}

function chunkIdsOf(steps: readonly Step[]): string[] {
  return steps.flatMap((step) => ('chunk' in step ? [step.chunk] : []));
}

function shown(path: Buffer): string {
  return printable(path.toString('utf8'));
}
