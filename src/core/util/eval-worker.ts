/**
 * A worker thread started from its source text (eval), so it runs the same
 * from the bundles and from the sources under test, with no file of its
 * own to find. Each request carries an ID and settles with the reply that
 * carries it back. The thread starts with the first request; if it stops,
 * every request waiting on it fails and the next one starts it again.
 */
import { Worker, type TransferListItem } from 'node:worker_threads';

export class EvalWorker<Reply extends { id: number }> {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();

  /** `what`: the thread in words, for the error when it stops. */
  constructor(
    private readonly source: string,
    private readonly what: string,
  ) {}

  /** Sends `message` with an `id` added, handing over `transfer`; resolves with the reply of that ID. */
  request(message: object, transfer: readonly TransferListItem[]): Promise<Reply> {
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
    const worker = new Worker(this.source, { eval: true });
    worker.on('message', (reply: Reply) => {
      const waiter = this.waiting.get(reply.id)!;
      this.waiting.delete(reply.id);
      waiter.resolve(reply);
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
