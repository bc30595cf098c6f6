/**
 * What the backup's thread does to look at a group of files (file-looker.ts
 * asks, backup-thread-main.ts runs it).
 *
 * A request is a group of files: one buffer holding their paths, a flat
 * list of two numbers per file (where its path lies in that buffer), and for
 * each file the stamp the file cache holds for it, or null. A file whose
 * lstat matches its stamp is unchanged and not opened. Any other file is
 * opened read-only, without following a symlink that replaced it since the
 * walk and without blocking on a FIFO that did; if it is a regular file
 * smaller than `smallBytes` it is read whole, and its size and times come
 * from the open descriptor, before and after the read, so they describe the
 * very content read. Plain system calls, one file after another: for small
 * files the calls are the work, and a round trip through the thread pool
 * and a promise per call cost more than the calls themselves.
 *
 * The reply has one look per file and the content read, in blocks (buffers
 * of their own, transferred); a look with content names its block, start
 * and length.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type BigIntStats } from 'node:fs';
import type { SpecialKind } from '../pack/skip-reasons';
import type { FileStamp } from '../store';

export interface LookRequest {
  kind: 'look';
  id: number;
  paths: ArrayBuffer;
  layout: number[];
  stamps: (FileStamp | null)[];
  smallBytes: number;
}

/** A look as the thread sends it. */
export type RawLook =
  | { unchanged: true; mode: number }
  | { error: string }
  | { special: SpecialKind | 'directory' }
  | { large: true }
  | { stamp: FileStamp; mode: number; block: number; start: number; length: number; readError?: string; shrank?: true; modified?: true };

export interface LookReply {
  id: number;
  looks: RawLook[];
  blocks: ArrayBuffer[];
}

const openFlags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const blockBytes = 256 * 1024;

export function answerLook({ id, paths, layout, stamps, smallBytes }: LookRequest): { reply: LookReply; transfer: ArrayBuffer[] } {
  const bytes = Buffer.from(paths);
  const blocks = new Blocks();
  const looks = stamps.map((stamp, index): RawLook => {
    const path = bytes.subarray(layout[2 * index], layout[2 * index]! + layout[2 * index + 1]!);
    const mode = stamp === null ? undefined : unchangedMode(path, stamp);
    return mode !== undefined ? { unchanged: true, mode } : read(path, smallBytes, blocks);
  });
  const done = blocks.finish();
  return { reply: { id, looks, blocks: done }, transfer: done };
}

function kindOf(stats: BigIntStats): SpecialKind | 'directory' {
  if (stats.isDirectory()) return 'directory';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  if (stats.isBlockDevice() || stats.isCharacterDevice()) return 'device';
  return 'unknown';
}

function unchangedMode(path: Buffer, stamp: FileStamp): number | undefined {
  let stats: BigIntStats | undefined;
  try {
    stats = lstatSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    return undefined;
  }
  if (stats === undefined || !stats.isFile()) return undefined;
  const same = Number(stats.size) === stamp.size && stats.mtimeNs === stamp.mtimeNs && stats.ctimeNs === stamp.ctimeNs && stats.ino === stamp.inode;
  return same ? Number(stats.mode) : undefined;
}

function stampOf(stats: BigIntStats): FileStamp {
  return { size: Number(stats.size), mtimeNs: stats.mtimeNs, ctimeNs: stats.ctimeNs, inode: stats.ino };
}

/** The group's content, in buffers of their own that can be transferred. */
class Blocks {
  private readonly done: ArrayBuffer[] = [];
  private current: Buffer<ArrayBuffer> | undefined;
  private used = 0;

  /** Room for `size` bytes: the block's index, the block, and where the room starts. */
  take(size: number): [number, Buffer, number] {
    if (this.current === undefined || this.used + size > this.current.length) {
      if (this.current !== undefined) this.done.push(this.current.buffer);
      this.current = Buffer.allocUnsafeSlow(Math.max(blockBytes, size));
      this.used = 0;
    }
    const start = this.used;
    this.used += size;
    return [this.done.length, this.current, start];
  }

  finish(): ArrayBuffer[] {
    if (this.current !== undefined) this.done.push(this.current.buffer);
    return this.done;
  }
}

/** The error's code, which skip-reasons.ts words; its message if it has none. */
function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String((err as Error).message);
}

function read(path: Buffer, smallBytes: number, blocks: Blocks): RawLook {
  let fd: number;
  try {
    fd = openSync(path, openFlags);
  } catch (err) {
    return { error: codeOf(err) };
  }
  try {
    const stats = fstatSync(fd, { bigint: true });
    if (!stats.isFile()) return { special: kindOf(stats) };
    const size = Number(stats.size);
    if (size >= smallBytes) return { large: true };
    const [block, buffer, start] = blocks.take(size);
    const look: RawLook & { length: number } = { stamp: stampOf(stats), mode: Number(stats.mode), block, start, length: 0 };
    try {
      for (let got = -1; look.length < size && got !== 0; look.length += got) got = readSync(fd, buffer, start + look.length, size - look.length, look.length);
    } catch (err) {
      look.readError = codeOf(err);
      return look;
    }
    if (look.length < size) return { ...look, shrank: true };
    const after = fstatSync(fd, { bigint: true });
    if (after.size !== stats.size || after.mtimeNs !== stats.mtimeNs) look.modified = true;
    return look;
  } catch (err) {
    return { error: codeOf(err) };
  } finally {
    closeSync(fd);
  }
}
