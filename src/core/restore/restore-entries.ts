/**
 * The part of a restore that a folder and an archive share: read the tree,
 * keep the selected entries, read their chunks in batches and hand each entry
 * and its content to the sink in tree order. A file whose chunks do not add
 * up to its recorded size, or a selection holding more file content than the
 * manifest records for the whole snapshot, fails as damaged before the
 * excess is written.
 *
 * The read of the next batch is under way while the current one is opened
 * and written, so the network and the disk wait less on each other. A sink
 * that takes several files at once (a folder) gets the small files whole,
 * side by side (file-pool.ts); larger ones are streamed, one at a time.
 */
import { maxBytesPerRead, maxIdsPerRead } from '../wire/chunk-protocol';
import { printable } from '../printable';
import type { TreeEntry } from '../snapshot/tree-entry';
import type { EntrySink, FileEntry, FileWriter } from './entry-sink';
import { FetchAhead } from './fetch-ahead';
import { FilePool } from './file-pool';
import { distinct, openInOrder } from './ordered-reads';
import { readBatches, type Step } from './read-batches';
import type { ReadableSnapshot, ReadLimits } from './readable-snapshot';
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

/**
 * Batches of file content: smaller than one read may be, since the next is
 * held while the current one is written; large enough that a batch of small
 * files is one request and the receiver's answer streams at full speed.
 */
export const contentReadLimits: ReadLimits = { maxIds: maxIdsPerRead, maxBytes: Math.min(maxBytesPerRead, 16 * 1024 * 1024) };
/** Files up to this size are gathered whole and written side by side. */
const wholeFileBytes = 1024 * 1024;
/** Content the files in flight may hold between them. */
const poolBytes = 16 * 1024 * 1024;

export async function restoreEntries(snapshot: ReadableSnapshot, selection: Selection, sink: EntrySink, signal?: AbortSignal): Promise<EntryCounts> {
  const pool = sink.writeWhole !== undefined ? new FilePool(sink, sink.parallelFiles ?? 1, poolBytes) : undefined;
  const restorer = new EntryRestorer(snapshot, sink, pool, signal);
  const entries = selectedEntries(readTree(snapshot, signal), selection, snapshot.manifest);
  const batches = readBatches(entries, snapshot.limits ?? contentReadLimits)[Symbol.asyncIterator]();
  const fetchNext = async () => {
    const next = await batches.next();
    return next.done ? undefined : { steps: next.value, fetch: new FetchAhead(snapshot.source, distinct(chunkIdsOf(next.value)), signal) };
  };
  let current: Awaited<ReturnType<typeof fetchNext>>;
  let ahead: typeof current;
  try {
    current = await fetchNext();
    while (current !== undefined) {
      ahead = await fetchNext();
      await restorer.run(current.steps, current.fetch);
      current = ahead;
      ahead = undefined;
    }
    await restorer.finishFile();
    await pool?.finish();
  } finally {
    await Promise.all([current?.fetch.cancel(), ahead?.fetch.cancel()]);
    await restorer.abandonFile();
    await pool?.settle();
    await batches.return?.(undefined);
  }
  return restorer.counts;
}

/** The file being written: its entry, and either its writer or, for a file going to the pool, its content so far. */
interface OpenFile {
  entry: FileEntry;
  writer?: FileWriter;
  gathered?: Buffer[];
  written: number;
}

class EntryRestorer {
  readonly counts: EntryCounts = { files: 0, directories: 0, symlinks: 0, bytes: 0 };
  private declaredBytes = 0;
  private current: OpenFile | undefined;

  constructor(
    private readonly snapshot: ReadableSnapshot,
    private readonly sink: EntrySink,
    private readonly pool: FilePool | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** One batch, its chunks read ahead by `fetch`; each is written as it is opened. */
  async run(steps: readonly Step[], fetch: FetchAhead): Promise<void> {
    const content = openInOrder(this.snapshot, chunkIdsOf(steps), fetch.chunks());
    let ready: Buffer[] = [];
    let taken = 0;
    try {
      for (const step of steps) {
        if ('entry' in step) {
          const beginning = this.begin(step.entry);
          if (beginning !== undefined) await beginning;
          continue;
        }
        if (taken === ready.length) {
          const next = await content.next();
          if (next.done) throw damagedSnapshot(this.snapshot.manifest, 'the store answered with fewer chunks than asked for');
          ready = next.value;
          taken = 0;
        }
        const writing = this.write(ready[taken++]!);
        if (writing !== undefined) await writing;
      }
    } finally {
      await content.return(undefined);
    }
  }

  /**
   * Finishes the current file: handed to the pool, or its writer finished.
   * Here, as in begin and write, a promise is made only for a wait: a small
   * file passes through without one.
   */
  finishFile(): Promise<void> | undefined {
    const file = this.current;
    if (file === undefined) return undefined;
    if (file.written !== file.entry.size) throw this.sizeMismatch(file.entry, file.written);
    this.current = undefined;
    this.counts.files++;
    this.counts.bytes += file.written;
    return file.gathered !== undefined ? this.pool!.add(file.entry, file.gathered) : file.writer!.finish();
  }

  async abandonFile(): Promise<void> {
    const file = this.current;
    this.current = undefined;
    await file?.writer?.abandon();
  }

  /** Starts `entry` once the file before it is finished. */
  private begin(entry: TreeEntry): Promise<void> | undefined {
    const finishing = this.finishFile();
    return finishing === undefined ? this.start(entry) : finishing.then(() => this.start(entry));
  }

  private start(entry: TreeEntry): Promise<void> | undefined {
    this.signal?.throwIfAborted();
    if (entry.type === 'directory') {
      return this.sink.directory(entry).then(() => {
        this.counts.directories++;
      });
    }
    if (entry.type === 'symlink') {
      return this.sink.symlink(entry).then(() => {
        this.counts.symlinks++;
      });
    }
    const { contentBytes } = this.snapshot.manifest;
    this.declaredBytes += entry.size;
    if (this.declaredBytes > contentBytes) {
      throw damagedSnapshot(this.snapshot.manifest, `its tree holds more file content than the ${contentBytes} bytes its manifest records (at "${shown(entry.path)}")`);
    }
    if (this.pool !== undefined && entry.size <= wholeFileBytes) {
      this.current = { entry, gathered: [], written: 0 };
      return undefined;
    }
    return this.sink.file(entry).then((writer) => {
      this.current = { entry, writer, written: 0 };
    });
  }

  /** Adds a chunk's part of the current file: gathered at once for the pool, else written, and the promise of that given. */
  private write(chunk: Buffer): Promise<void> | undefined {
    const file = this.current!;
    const data = sliceOf(file.entry, chunk);
    if (data === undefined) throw damagedSnapshot(this.snapshot.manifest, `the shared chunk of "${shown(file.entry.path)}" is too short for the slice its tree line records, or longer than a shared chunk may be`);
    if (file.written + data.length > file.entry.size) throw this.sizeMismatch(file.entry, file.written + data.length);
    file.written += data.length;
    if (file.gathered === undefined) return file.writer!.write(data);
    file.gathered.push(data);
    return undefined;
  }

  private sizeMismatch(entry: FileEntry, bytes: number) {
    const held = bytes > entry.size ? `more than the ${entry.size} bytes its tree line records` : `${bytes} bytes, but its tree line records ${entry.size}`;
    return damagedSnapshot(this.snapshot.manifest, `the chunks of "${shown(entry.path)}" hold ${held}`);
  }
}

function chunkIdsOf(steps: readonly Step[]): string[] {
  const ids: string[] = [];
  for (const step of steps) if ('chunk' in step) ids.push(step.chunk);
  return ids;
}

function shown(path: Buffer): string {
  return printable(path.toString('utf8'));
}
