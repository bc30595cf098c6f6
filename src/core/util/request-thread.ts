/**
 * A worker thread that answers requests. Each request carries an ID and
 * settles with the reply that carries it back. The thread starts with the
 * first request; if it stops, every request waiting on it fails and the next
 * one starts it again.
 *
 * Its code is either source text (eval), for a thread that needs nothing but
 * Node's own modules: it runs the same from the bundles and from the sources
 * under test, with no file of its own to find; or a file of its own
 * (threadFile), for a thread that shares modules with the rest.
 */
import { join } from 'node:path';
import { Worker, type TransferListItem, type WorkerOptions } from 'node:worker_threads';

export type ThreadCode = { source: string } | { file: string; workerData?: unknown };

/**
 * Where the thread entry `name` (a module beside this one's caller, in the
 * sources) is: the bundles keep each entry as `name.js` beside themselves,
 * the sources under test as `name.ts` in `sourceDir`.
 */
export function threadFile(sourceDir: string, name: string): string {
  return __filename.endsWith('.ts') ? join(sourceDir, `${name}.ts`) : join(__dirname, `${name}.js`);
}

export class RequestThread {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (reply: never) => void; reject: (error: Error) => void }>();

  /** `what`: the thread in words, for the error when it stops. */
  constructor(
    private readonly code: ThreadCode,
    private readonly what: string,
  ) {}

  /** Sends `message` with an `id` added, handing over `transfer`; resolves with the reply of that ID, of the type the caller names. */
  request<Reply extends { id: number }>(message: object, transfer: readonly TransferListItem[]): Promise<Reply> {
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.started().postMessage({ ...message, id }, transfer);
    });
  }

  /** Stops the thread; call once every request has settled. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private started(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = 'source' in this.code ? new Worker(this.code.source, { eval: true }) : new Worker(this.code.file, fileOptions(this.code));
    worker.on('message', (reply: { id: number }) => {
      const waiter = this.waiting.get(reply.id)!;
      this.waiting.delete(reply.id);
      waiter.resolve(reply as never);
    });
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(new Error(`${this.what} stopped (exit code ${code})`));
    });
    this.worker = worker;
    return worker;
  }

  private failAll(error: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}

/** The sources under test run under tsx, whose hooks a thread started from a .ts file does not take on by itself. */
function fileOptions({ file, workerData }: { file: string; workerData?: unknown }): WorkerOptions {
  return file.endsWith('.ts') ? { workerData, execArgv: ['--require', 'tsx/cjs'] } : { workerData };
}
