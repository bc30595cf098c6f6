/**
 * Writes whole small files on a thread of their own (small-file-worker.ts),
 * in batches: a file handed over joins the batch being gathered, which goes
 * to the thread once it holds `batchFiles` files or `batchBytes` bytes, or
 * as soon as the restore waits on anything else. The caller bounds how much
 * is in flight (file-pool.ts): each file's promise settles once the thread
 * has written it, or failed on it or on a file before it in its batch.
 *
 * Created with O_EXCL | O_NOFOLLOW, as the folder writer's own files are; a
 * failure comes back as the system call's error, with its code.
 */
import { Worker } from 'node:worker_threads';
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
}

interface Pending {
  file: WholeFile;
  resolve: () => void;
  reject: (error: Error) => void;
}

interface Reply {
  id: number;
  failure?: { index: number; code?: string; syscall?: string; message: string };
}

const batchFiles = 512;
const batchBytes = 2 * 1024 * 1024;

export class SmallFileWriter {
  private worker: Worker | undefined;
  private gathering: Pending[] = [];
  private gatheredBytes = 0;
  private flushQueued = false;
  private nextBatchId = 0;
  private readonly sent = new Map<number, Pending[]>();

  write(file: WholeFile): Promise<void> {
    return new Promise((resolve, reject) => {
      this.gathering.push({ file, resolve, reject });
      this.gatheredBytes += file.path.length + file.content.length;
      if (this.gathering.length >= batchFiles || this.gatheredBytes >= batchBytes) this.flush();
      else if (!this.flushQueued) {
        this.flushQueued = true;
        setImmediate(() => {
          this.flushQueued = false;
          this.flush();
        });
      }
    });
  }

  /** Stops the thread; call once every write has settled. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private flush(): void {
    if (this.gathering.length === 0) return;
    const batch = this.gathering;
    // A buffer of its own, so transferring it takes nothing from Node's shared pool.
    const data = Buffer.allocUnsafeSlow(this.gatheredBytes);
    this.gathering = [];
    this.gatheredBytes = 0;
    const layout: number[] = [];
    let at = 0;
    for (const { file } of batch) {
      layout.push(at, file.path.length);
      at += file.path.copy(data, at);
      layout.push(at, file.content.length, file.mode, file.modeToSet ?? -1, file.mtime);
      at += file.content.copy(data, at);
    }
    const id = this.nextBatchId++;
    this.sent.set(id, batch);
    this.started().postMessage({ id, data: data.buffer, layout }, [data.buffer]);
  }

  private started(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(smallFileWorkerSource, { eval: true });
    worker.on('message', (reply: Reply) => this.settle(reply));
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(new Error(`the thread writing small files stopped (exit code ${code})`));
    });
    this.worker = worker;
    return worker;
  }

  private settle({ id, failure }: Reply): void {
    const batch = this.sent.get(id)!;
    this.sent.delete(id);
    if (failure === undefined) {
      for (const pending of batch) pending.resolve();
      return;
    }
    const error = Object.assign(new Error(failure.message), { code: failure.code, syscall: failure.syscall });
    batch.forEach((pending, index) => (index < failure.index ? pending.resolve() : pending.reject(error)));
  }

  private failAll(error: Error): void {
    for (const batch of this.sent.values()) for (const pending of batch) pending.reject(error);
    this.sent.clear();
  }
}
