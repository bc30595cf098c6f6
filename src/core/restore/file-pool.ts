/**
 * Small files written side by side: each is whole in memory when it is
 * handed over, so opening, writing, timestamping and closing it need not
 * wait for the file before it. At most `maxFiles` are in flight and at most
 * `maxBytes` of their content held; the first failure is kept and thrown at
 * the next hand-over or at the end (the sink leaves nothing open behind it).
 *
 * Files the sink writes together may share one promise (a folder writes
 * small files in batches): the pool follows each distinct promise once,
 * with the files and bytes it answers for, rather than a chain per file.
 */
import type { EntrySink, FileEntry } from './entry-sink';

interface Share {
  files: number;
  bytes: number;
  /** Settles (never rejects) once the files' writing has ended and their room is given back. */
  ended: Promise<void>;
}

export class FilePool {
  private readonly inFlight = new Map<Promise<void>, Share>();
  private files = 0;
  private heldBytes = 0;
  private failure: { error: unknown } | undefined;
  /** Wakes the hand-over waiting for room, once a write in flight ends. */
  private roomMade: (() => void) | undefined;

  constructor(
    private readonly sink: EntrySink,
    private readonly maxFiles: number,
    private readonly maxBytes: number,
  ) {}

  /**
   * Starts writing `entry` with `content` (its pieces in order, `entry.size`
   * bytes in all) once there is room: at once, giving no promise, when
   * there is. One hand-over at a time: each call's promise, if any, is
   * awaited before the next call. It waits to be woken by the write that
   * ends next, not on every one in flight: Promise.race would add a
   * reaction to each of them for every file handed over.
   */
  add(entry: FileEntry, content: Buffer[]): Promise<void> | undefined {
    if (this.mustWait(entry.size)) return this.addOnceThereIsRoom(entry, content);
    if (this.failure !== undefined) return Promise.reject(this.failure.error);
    this.start(entry, content);
    return undefined;
  }

  /** Waits for every file in flight; throws the first failure. */
  async finish(): Promise<void> {
    await this.settle();
    this.throwIfFailed();
  }

  /** Waits for every file in flight, failed or not: used when the restore fails, before its staging folder is removed. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight.values()].map((share) => share.ended));
  }

  private mustWait(bytes: number): boolean {
    return this.files > 0 && (this.files >= this.maxFiles || this.heldBytes + bytes > this.maxBytes);
  }

  private async addOnceThereIsRoom(entry: FileEntry, content: Buffer[]): Promise<void> {
    while (this.mustWait(entry.size)) await new Promise<void>((resolve) => (this.roomMade = resolve));
    this.throwIfFailed();
    this.start(entry, content);
  }

  private start(entry: FileEntry, content: Buffer[]): void {
    const written = this.write(entry, content);
    const share = this.inFlight.get(written) ?? this.follow(written);
    share.files++;
    share.bytes += entry.size;
    this.files++;
    this.heldBytes += entry.size;
  }

  private follow(written: Promise<void>): Share {
    const share: Share = { files: 0, bytes: 0, ended: Promise.resolve() };
    share.ended = written
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .then(() => {
        this.files -= share.files;
        this.heldBytes -= share.bytes;
        this.inFlight.delete(written);
        this.roomMade?.();
        this.roomMade = undefined;
      });
    this.inFlight.set(written, share);
    return share;
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }

  /** The sink's promise for the file; a sink that throws at once gives a rejected one. */
  private write(entry: FileEntry, content: Buffer[]): Promise<void> {
    try {
      return this.sink.writeWhole!(entry, content.length === 1 ? content[0]! : Buffer.concat(content, entry.size));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
