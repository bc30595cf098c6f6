/**
 * What the backup's thread does to look at a group of files (file-looker.ts
 * asks, backup-thread-main.ts runs it).
 *
 * A request is a group of files: one buffer holding their paths, where each
 * path ends in it, and for each file the stamp the file cache holds for it,
 * if any. A file whose lstat matches its stamp is unchanged and not opened.
 * Any other file is opened read-only, without following a symlink that
 * replaced it since the walk and without blocking on a FIFO that did; if it
 * is a regular file smaller than `smallBytes` it is read whole, and its size
 * and times come from the open descriptor, before and after the read, so
 * they describe the very content read. Plain system calls, one file after
 * another: for small files the calls are the work, and a round trip through
 * the thread pool and a promise per call cost more than the calls
 * themselves.
 *
 * Both ways, the files' numbers travel in typed arrays, a few columns for
 * the whole group, not an object per file: a group waits a while before it
 * is used, and objects that wait are what the backup's collector spends its
 * time copying. The reply has each file's outcome and numbers, the rare
 * error codes by file, and the content read, in blocks (buffers of their
 * own, transferred).
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type BigIntStats } from 'node:fs';
import type { SpecialKind } from '../pack/skip-reasons';

export interface LookRequest {
  kind: 'look';
  id: number;
  paths: ArrayBuffer;
  /** Where each file's path ends in `paths`. */
  pathEnds: Uint32Array;
  /** Four per file, the file cache's stamp: size (-1 for none), mtime and ctime in ns, inode (as two's complement). */
  stamps: BigInt64Array;
  smallBytes: number;
}

/** What a look found; for `read`, `readFailed`, `shrank` and `modified`, the content read is in a block. */
export const Outcome = { unchanged: 0, read: 1, large: 2, error: 3, special: 4, readFailed: 5, shrank: 6, modified: 7 } as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** The columns of a reply, each `outcomeColumns` numbers a file. */
export const outcomeColumns = 5;
export const stampColumns = 4;

export interface LookReply {
  id: number;
  /** Per file: outcome, mode, and for content read its block, start and length. */
  outcomes: Uint32Array<ArrayBuffer>;
  /** Per file with content read: its stamp, as the request's. */
  stamps: BigInt64Array<ArrayBuffer>;
  /** By file: the error code (error, readFailed) or kind (special). */
  notes: [number, string][];
  blocks: ArrayBuffer[];
}

const openFlags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const blockBytes = 256 * 1024;

export function answerLook({ id, paths, pathEnds, stamps, smallBytes }: LookRequest): { reply: LookReply; transfer: ArrayBuffer[] } {
  const bytes = Buffer.from(paths);
  const count = pathEnds.length;
  const reply: LookReply = { id, outcomes: new Uint32Array(count * outcomeColumns), stamps: new BigInt64Array(count * stampColumns), notes: [], blocks: [] };
  const blocks = new Blocks();
  for (let index = 0, start = 0; index < count; start = pathEnds[index++]!) {
    const path = bytes.subarray(start, pathEnds[index]);
    if (!isUnchanged(path, stamps, index, reply)) look(path, index, smallBytes, blocks, reply);
  }
  reply.blocks = blocks.finish();
  return { reply, transfer: [reply.outcomes.buffer, reply.stamps.buffer, ...reply.blocks] };
}

function kindOf(stats: BigIntStats): SpecialKind | 'directory' {
  if (stats.isDirectory()) return 'directory';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  if (stats.isBlockDevice() || stats.isCharacterDevice()) return 'device';
  return 'unknown';
}

/** True, with the outcome set, if the file still matches the stamp the request holds for it. */
function isUnchanged(path: Buffer, stamps: BigInt64Array, index: number, reply: LookReply): boolean {
  const at = index * stampColumns;
  if (stamps[at]! < 0n) return false;
  let stats: BigIntStats | undefined;
  try {
    stats = lstatSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    return false;
  }
  if (stats === undefined || !stats.isFile()) return false;
  if (stats.size !== stamps[at] || stats.mtimeNs !== stamps[at + 1] || stats.ctimeNs !== stamps[at + 2] || stats.ino !== BigInt.asUintN(64, stamps[at + 3]!)) return false;
  setOutcome(reply, index, Outcome.unchanged, Number(stats.mode));
  return true;
}

function setOutcome(reply: LookReply, index: number, outcome: Outcome, mode = 0): void {
  reply.outcomes[index * outcomeColumns] = outcome;
  reply.outcomes[index * outcomeColumns + 1] = mode;
}

function note(reply: LookReply, index: number, outcome: Outcome, text: string): void {
  setOutcome(reply, index, outcome);
  reply.notes.push([index, text]);
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

function look(path: Buffer, index: number, smallBytes: number, blocks: Blocks, reply: LookReply): void {
  let fd: number;
  try {
    fd = openSync(path, openFlags);
  } catch (err) {
    return note(reply, index, Outcome.error, codeOf(err));
  }
  try {
    const stats = fstatSync(fd, { bigint: true });
    if (!stats.isFile()) return note(reply, index, Outcome.special, kindOf(stats));
    const size = Number(stats.size);
    if (size >= smallBytes) return setOutcome(reply, index, Outcome.large);
    const [block, buffer, start] = blocks.take(size);
    let length = 0;
    let outcome: Outcome = Outcome.read;
    try {
      for (let got = -1; length < size && got !== 0; length += got) got = readSync(fd, buffer, start + length, size - length, length);
    } catch (err) {
      outcome = Outcome.readFailed;
      reply.notes.push([index, codeOf(err)]);
    }
    if (outcome === Outcome.read && length < size) outcome = Outcome.shrank;
    if (outcome === Outcome.read) {
      const after = fstatSync(fd, { bigint: true });
      if (after.size !== stats.size || after.mtimeNs !== stats.mtimeNs) outcome = Outcome.modified;
    }
    reply.outcomes.set([outcome, Number(stats.mode), block, start, length], index * outcomeColumns);
    reply.stamps.set([stats.size, stats.mtimeNs, stats.ctimeNs, BigInt.asIntN(64, stats.ino)], index * stampColumns);
  } catch (err) {
    note(reply, index, Outcome.error, codeOf(err));
  } finally {
    closeSync(fd);
  }
}
