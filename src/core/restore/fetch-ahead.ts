/**
 * One read of chunks, started at once and drained as its answer comes, so a
 * restore can ask for the next batch while it still opens and writes the
 * current one. What has come is held until it is taken (at most one read's
 * bytes, which read-batches.ts bounds); a failure is kept for the taker,
 * never left unhandled.
 */
import type { ChunkSource, StoredChunk } from './chunk-source';

export class FetchAhead {
  private readonly arrived: (StoredChunk | undefined)[] = [];
  private taken = 0;
  private finished = false;
  private failure: unknown;
  private wake: (() => void) | undefined;
  private readonly stop = new AbortController();
  /** Settles (never rejects) once the read is over, whether it ended, failed or was stopped. */
  readonly settled: Promise<void>;

  constructor(source: ChunkSource, ids: string[], signal: AbortSignal | undefined) {
    const linked = signal === undefined ? this.stop.signal : AbortSignal.any([signal, this.stop.signal]);
    // A batch of entries without content asks for nothing.
    this.finished = ids.length === 0;
    this.settled = this.finished ? Promise.resolve() : this.drain(source, ids, linked);
  }

  /** The stored chunks in the order they came; each is let go once taken. */
  async *chunks(): AsyncGenerator<StoredChunk> {
    for (;;) {
      if (this.taken < this.arrived.length) {
        const chunk = this.arrived[this.taken]!;
        this.arrived[this.taken++] = undefined;
        yield chunk;
        continue;
      }
      if (this.failure !== undefined) throw this.failure;
      if (this.finished) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Stops the read if it is still going and waits until it has let go of its connection. */
  async cancel(): Promise<void> {
    this.stop.abort();
    await this.settled;
  }

  private async drain(source: ChunkSource, ids: string[], signal: AbortSignal): Promise<void> {
    try {
      for await (const chunk of source.read(ids, signal)) {
        this.arrived.push(chunk);
        this.notify();
      }
    } catch (err) {
      this.failure = err ?? new Error('the read failed');
    } finally {
      this.finished = true;
      this.notify();
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
