/**
 * Starts work on the next few items of an async sequence while the current
 * one is being used: here, opening and reading the first chunk of upcoming
 * files while the packer writes the current one, so the thread pool's
 * latency overlaps instead of adding up file after file.
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
