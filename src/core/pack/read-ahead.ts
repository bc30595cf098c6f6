/**
 * Starts work on the next few items of an async sequence while the current
 * one is being used: here, opening and reading the first chunk of upcoming
 * files while the packer writes the current one, so the thread pool's
 * latency overlaps instead of adding up file after file. A preparation
 * that needs no waiting (a file known unchanged) may return its result
 * directly, sparing a promise per item.
 */
export interface Prepared<T, P> {
  item: T;
  /** undefined for items that need no preparation. */
  prepared: P | Promise<P> | undefined;
}

export async function* readAhead<T, P>(source: AsyncIterable<T>, depth: number, prepare: (item: T) => P | Promise<P> | undefined): AsyncGenerator<Prepared<T, P>> {
  const iterator = source[Symbol.asyncIterator]();
  const queue: Prepared<T, P>[] = [];
  let exhausted = false;
  try {
    for (;;) {
      while (!exhausted && queue.length < depth) {
        const next = await iterator.next();
        if (next.done) exhausted = true;
        else queue.push({ item: next.value, prepared: prepare(next.value) });
      }
      const head = queue.shift();
      if (head === undefined) return;
      yield head;
    }
  } finally {
    // Let preparations in flight finish, so the caller can clean up after them knowing none is still running.
    await Promise.allSettled(queue.map((each) => each.prepared));
    await iterator.return?.();
  }
}

/**
 * The same for a source that hands over items in batches (a folder's files
 * at once): items within a batch are taken with no promise at all, so only
 * a preparation that must wait, or the next batch, costs a round trip.
 */
export class BatchReadAhead<T, P> {
  private batch: readonly T[] = [];
  /** How many of the current batch are in the queue or taken. */
  private queuedFromBatch = 0;
  private readonly queue: Prepared<T, P>[] = [];
  private exhausted = false;

  constructor(
    private readonly source: AsyncIterator<readonly T[]>,
    private readonly depth: number,
    private readonly prepare: (item: T) => P | Promise<P> | undefined,
  ) {}

  /** The next item and its preparation, undefined after the last; a promise only when the next batch is to be waited for. */
  next(): Prepared<T, P> | undefined | Promise<Prepared<T, P> | undefined> {
    this.fill();
    if (this.queue.length < this.depth && !this.exhausted) return this.nextBatchThenTake();
    return this.queue.shift();
  }

  /** Lets preparations in flight finish, so the caller can clean up after them knowing none is still running. */
  async close(): Promise<void> {
    const left = this.queue.splice(0);
    await Promise.allSettled(left.map((each) => each.prepared));
    await this.source.return?.();
  }

  private fill(): void {
    while (this.queue.length < this.depth && this.queuedFromBatch < this.batch.length) {
      const item = this.batch[this.queuedFromBatch++]!;
      this.queue.push({ item, prepared: this.prepare(item) });
    }
  }

  private async nextBatchThenTake(): Promise<Prepared<T, P> | undefined> {
    while (this.queue.length < this.depth && !this.exhausted) {
      const next = await this.source.next();
      if (next.done) {
        this.exhausted = true;
      } else {
        this.batch = next.value;
        this.queuedFromBatch = 0;
        this.fill();
      }
    }
    return this.queue.shift();
  }
}
