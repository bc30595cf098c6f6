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
  private readonly thread = new RequestThread({ source: smallFileWorkerSource }, 'the thread writing small files');
  private gathering: Pending[] = [];
  private gatheredBytes = 0;
  private flushQueued = false;

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
    await this.thread.close();
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
    this.thread.request<Reply>({ data: data.buffer, layout }, [data.buffer]).then(
      ({ failure }) => settle(batch, failure),
      (error: Error) => batch.forEach((pending) => pending.reject(error)),
    );
  }
}

/** Each file of the batch written before the failure, if any, succeeds; it and the ones after it fail with its error. */
function settle(batch: readonly Pending[], failure: Reply['failure']): void {
  if (failure === undefined) {
    for (const pending of batch) pending.resolve();
    return;
  }
  const error = Object.assign(new Error(failure.message), { code: failure.code, syscall: failure.syscall });
  batch.forEach((pending, index) => (index < failure.index ? pending.resolve() : pending.reject(error)));
}
