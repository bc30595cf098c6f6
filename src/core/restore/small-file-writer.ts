/**
 * Writes whole small files on threads of their own (small-file-worker.ts),
 * in batches: a file handed over joins the batch being gathered, which goes
 * to a thread once it holds `batchFiles` files or `batchBytes` bytes, or
 * as soon as the restore waits on anything else: to the first thread that
 * is not behind, so a second starts only when the first falls behind. The
 * caller bounds how much is in flight (file-pool.ts). Every file of a batch
 * gets the batch's one promise: a promise per file, kept until its batch
 * was written, was most of what a restore of many small files left for the
 * collector.
 *
 * Created with O_EXCL | O_NOFOLLOW, as the folder writer's own files are; a
 * failure comes back as the system call's error, with its code.
 */
import { RequestThread } from '../util/request-thread';
import { smallFileWorkerSource } from './small-file-worker';

export interface WholeFile {
  /** Where to create it: a path the thread can use as it is. */
  path: Buffer;
  content: Buffer;
  /** The mode it is created with. */
  mode: number;
  /** A mode to set once written, when the umask takes bits from `mode`. */
  modeToSet: number | undefined;
  /** Seconds, as fs.futimes takes them. */
  mtime: number;
  /** What the file is called in messages (the thread is not sent it). */
  name: string;
}

interface Batch {
  files: WholeFile[];
  bytes: number;
  written: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** A failure of the thread on one file: the system call's error, and the file. */
export type WholeFileError = NodeJS.ErrnoException & { file: WholeFile };

interface Reply {
  id: number;
  failure?: { index: number; code?: string; syscall?: string; message: string };
}

const batchFiles = 512;
const batchBytes = 2 * 1024 * 1024;
/**
 * Writing threads. Creating many tiny files is the kernel's work, and one
 * thread was the limit on 100,000 of them (8 to 12% faster with two, which
 * the disk lets create files in different folders at once); for larger
 * files the restore's main thread is, and a second thread cost it about 2%.
 */
const writingThreads = 2;
/** A thread with fewer batches than this waiting gets the next one; only a backlog spills over to another thread. */
const batchesBeforeSpill = 2;

export class SmallFileWriter {
  /** Each thread, with the batches sent to it and not yet answered. */
  private readonly threads = Array.from({ length: writingThreads }, () => ({ thread: new RequestThread({ source: smallFileWorkerSource }, 'a thread writing small files'), batches: 0 }));
  private gathering: Batch | undefined;

  /**
   * Hands `file` over. The promise is its batch's: it settles once the
   * thread has written every file of the batch, or rejects with a
   * WholeFileError for the first one it failed on (the files before it are
   * written, the ones after it are not).
   */
  write(file: WholeFile): Promise<void> {
    const batch = this.gathering ?? this.newBatch();
    batch.files.push(file);
    batch.bytes += file.path.length + file.content.length;
    if (batch.files.length >= batchFiles || batch.bytes >= batchBytes) this.flush();
    return batch.written;
  }

  /** Stops the threads; call once every write has settled. */
  async close(): Promise<void> {
    await Promise.all(this.threads.map(({ thread }) => thread.close()));
  }

  private newBatch(): Batch {
    let settle!: Pick<Batch, 'resolve' | 'reject'>;
    const written = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    // Unhandled until a caller awaits it, which it may do only after the batch failed.
    written.catch(() => undefined);
    const batch: Batch = { files: [], bytes: 0, written, ...settle };
    this.gathering = batch;
    setImmediate(() => {
      if (this.gathering === batch) this.flush();
    });
    return batch;
  }

  private flush(): void {
    const batch = this.gathering;
    if (batch === undefined) return;
    this.gathering = undefined;
    // A buffer of its own, so transferring it takes nothing from Node's shared pool.
    const data = Buffer.allocUnsafeSlow(batch.bytes);
    const layout: number[] = [];
    let at = 0;
    for (const file of batch.files) {
      layout.push(at, file.path.length);
      at += file.path.copy(data, at);
      layout.push(at, file.content.length, file.mode, file.modeToSet ?? -1, file.mtime);
      at += file.content.copy(data, at);
    }
    const writer = this.threads.find((each) => each.batches < batchesBeforeSpill) ?? this.threads.reduce((least, each) => (each.batches < least.batches ? each : least));
    writer.batches++;
    writer.thread.request<Reply>({ data: data.buffer, layout }, [data.buffer]).finally(() => writer.batches--).then(({ failure }) => {
      if (failure === undefined) batch.resolve();
      else batch.reject(Object.assign(new Error(failure.message), { code: failure.code, syscall: failure.syscall, file: batch.files[failure.index]! }));
    }, batch.reject);
  }
}
