/**
 * Small files written side by side: each is whole in memory when it is
 * handed over, so opening, writing, timestamping and closing it need not
 * wait for the file before it. At most `maxFiles` are in flight and at most
 * `maxBytes` of their content held; the first failure is kept and thrown at
 * the next hand-over or at the end (the sink leaves nothing open behind it).
 */
import type { EntrySink, FileEntry } from './entry-sink';

export class FilePool {
  private readonly inFlight = new Set<Promise<void>>();
  private heldBytes = 0;
  private failure: { error: unknown } | undefined;
  /** Wakes the hand-over waiting for room, once a file in flight ends. */
  private roomMade: (() => void) | undefined;

  constructor(
    private readonly sink: EntrySink,
    private readonly maxFiles: number,
    private readonly maxBytes: number,
  ) {}

  /**
   * Starts writing `entry` with `content` (its pieces in order, `entry.size`
   * bytes in all) once there is room. One hand-over at a time: each call is
   * awaited before the next. It waits to be woken by the file that ends
   * next, not on every file in flight: Promise.race would add a reaction to
   * each of up to maxFiles promises for every file handed over.
   */
  async add(entry: FileEntry, content: Buffer[]): Promise<void> {
    while (this.inFlight.size > 0 && (this.inFlight.size >= this.maxFiles || this.heldBytes + entry.size > this.maxBytes)) {
      await new Promise<void>((resolve) => (this.roomMade = resolve));
    }
    this.throwIfFailed();
    this.heldBytes += entry.size;
    const job = this.write(entry, content).then(
      () => undefined,
      (error: unknown) => {
        this.failure ??= { error };
      },
    );
    const tracked = job.finally(() => {
      this.heldBytes -= entry.size;
      this.inFlight.delete(tracked);
      this.roomMade?.();
      this.roomMade = undefined;
    });
    this.inFlight.add(tracked);
  }

  /** Waits for every file in flight; throws the first failure. */
  async finish(): Promise<void> {
    await this.settle();
    this.throwIfFailed();
  }

  /** Waits for every file in flight, failed or not: used when the restore fails, before its staging folder is removed. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }

  private async write(entry: FileEntry, content: Buffer[]): Promise<void> {
    await this.sink.writeWhole!(entry, content.length === 1 ? content[0]! : Buffer.concat(content, entry.size));
  }
}
