/**
 * Fills packs in the spool and sends each to the destination as soon as it
 * passes packTargetBytes, while the next one fills. At most `packsInFlight`
 * packs are being sent at once; a full pack waits for a free place, which
 * slows the filling down to the network's pace. So the spool holds at most
 * packsInFlight + 1 packs, and memory does not grow with the backup's size.
 * A pack's file is removed once it is sent, or when the run ends.
 */
import { rm } from 'node:fs/promises';
import { packTargetBytes } from '../wire/chunk-protocol';
import type { ChunkDestination, PackFile } from './chunk-destination';
import { PackWriter } from './pack-writer';

/** Two uploads in flight keep the connection busy while one pack is being finished and its answer awaited. */
export const packsInFlight = 2;

export class PackShipper {
  private current: PackWriter | undefined;
  private readonly uploads = new Set<Promise<void>>();
  private readonly spoolFiles = new Set<string>();
  private packCount = 0;
  /** The first upload that failed: the run stops at the next pack instead of filling more. */
  private failure: unknown;
  private closed = false;

  constructor(
    private readonly destination: ChunkDestination,
    /** Pack files are named this followed by a number and `.tar`. */
    private readonly pathPrefix: string,
    private readonly signal: AbortSignal | undefined,
    /** Called with each increase of the bytes sent. */
    private readonly onSentBytes: (count: number) => void,
  ) {}

  /** Adds an entry whose content is `pieces`, one after another. */
  async add(name: string, pieces: readonly Buffer[]): Promise<void> {
    if (this.closed) throw new Error('a pack was added after the run ended');
    if (this.failure !== undefined) throw this.failure;
    if (this.current === undefined) {
      this.current = new PackWriter(`${this.pathPrefix}${++this.packCount}.tar`);
      this.spoolFiles.add(this.current.path);
    }
    await this.current.add(name, pieces);
    if (this.current.size > packTargetBytes) await this.ship();
  }

  /** Sends the last pack and waits for every upload. */
  async finish(): Promise<void> {
    if (this.current && !this.current.isEmpty) await this.ship();
    await Promise.all(this.uploads);
  }

  /** Stops what is left (after a failure or cancellation) and removes every pack file of the run. */
  async close(): Promise<void> {
    this.closed = true;
    await this.current?.discard();
    this.current = undefined;
    await Promise.allSettled(this.uploads);
    await Promise.all([...this.spoolFiles].map((path) => rm(path, { force: true })));
  }

  private async ship(): Promise<void> {
    const writer = this.current!;
    this.current = undefined;
    const pack = await writer.finish();
    // Waiting here is the backpressure; a failed upload stays in the set, so this rethrows its error.
    while (this.uploads.size >= packsInFlight) await Promise.race(this.uploads);
    const upload = this.upload(pack);
    this.uploads.add(upload);
    upload.then(
      () => this.uploads.delete(upload),
      (err: unknown) => (this.failure ??= err),
    );
  }

  private async upload(pack: PackFile): Promise<void> {
    let reported = 0;
    const count = (total: number) => {
      if (total > reported) this.onSentBytes(total - reported);
      reported = Math.max(reported, total);
    };
    try {
      await this.destination.putPack(pack, this.signal, count);
      count(pack.size);
    } finally {
      await rm(pack.path, { force: true });
      this.spoolFiles.delete(pack.path);
    }
  }
}
