/**
 * One pack being written to the spool: a ustar archive of chunk entries
 * (tar-stream), hashed as it is written so its ID is known when it closes.
 * Entry headers carry nothing about this machine: mode 0600, uid and gid 0,
 * mtime 0, no user or group names (docs/PROTOCOL.md, "Packs").
 *
 * An entry's pieces are handed over: each is released (release-buffer.ts)
 * as soon as the file holds it, so a run's sealed chunks never wait for the
 * collector.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { pack as createTarPack, type Pack } from 'tar-stream';
import { hashingMeter, type HashingMeter } from '../util/hashing-meter';
import { releaseBuffer } from '../util/release-buffer';
import type { PackFile } from './chunk-destination';

const blockBytes = 512;
/** Entries queued in memory ahead of the disk before `add` waits for the file to catch up. */
const maxUnwrittenBytes = 1024 * 1024;
const epoch = new Date(0);

export class PackWriter {
  private readonly tar: Pack = createTarPack();
  private readonly meter: HashingMeter;
  private readonly file: WriteStream;
  private readonly written: Promise<void>;
  /** Entries' pieces not yet released, with the archive length once each entry's content is in. */
  private readonly unreleased: { end: number; pieces: readonly Buffer[] }[] = [];
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  /** The archive's length once every entry so far is written (headers and padding included). */
  private queuedBytes = 0;
  private entries = 0;

  constructor(readonly path: string) {
    this.meter = hashingMeter({ onBytes: () => this.wake?.() });
    this.file = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    this.written = pipeline(this.tar, this.meter.stream, this.file);
    this.written.catch((err: unknown) => {
      this.failure = err as Error;
      this.wake?.();
    });
  }

  /** The archive's length so far, counting entries not yet on disk. */
  get size(): number {
    return this.queuedBytes;
  }

  get isEmpty(): boolean {
    return this.entries === 0;
  }

  /**
   * Adds an entry whose content is `pieces`, one after another: a sealed chunk is written in the pieces it was
   * sealed in, never joined into a copy. The pieces are handed over: the caller must not use them again.
   */
  async add(name: string, pieces: readonly Buffer[]): Promise<void> {
    this.releaseWritten();
    const size = pieces.reduce((sum, piece) => sum + piece.length, 0);
    await new Promise<void>((resolve, reject) => {
      const entry = this.tar.entry({ name, type: 'file', size, mode: 0o600, mtime: epoch, uid: 0, gid: 0, uname: '', gname: '' }, (err) => (err ? reject(err) : resolve()));
      for (const piece of pieces.slice(0, -1)) entry.write(piece);
      entry.end(pieces.at(-1));
    });
    this.entries++;
    this.unreleased.push({ end: this.queuedBytes + blockBytes + size, pieces });
    this.queuedBytes += blockBytes + Math.ceil(size / blockBytes) * blockBytes;
    while (this.queuedBytes - this.meter.bytes() > maxUnwrittenBytes && this.failure === undefined) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    if (this.failure) throw this.failure;
  }

  /** Ends the archive and waits until it is on disk. */
  async finish(): Promise<PackFile> {
    this.tar.finalize();
    await this.written;
    this.releaseWritten();
    return { id: this.meter.sha256(), path: this.path, size: this.meter.bytes(), chunks: this.entries };
  }

  /** Stops writing and removes the file. */
  async discard(): Promise<void> {
    this.tar.destroy();
    await this.written.catch(() => undefined);
    await rm(this.path, { force: true });
  }

  /** Releases the pieces of every entry whose content the file holds. */
  private releaseWritten(): void {
    while (this.unreleased.length > 0 && this.unreleased[0]!.end <= this.file.bytesWritten) {
      for (const piece of this.unreleased.shift()!.pieces) releaseBuffer(piece);
    }
  }
}
