/**
 * Reads a small file whole, with synchronous calls: open, fstat, one read,
 * fstat again, close. For a file of a few hundred bytes on a warm disk each
 * call takes microseconds, while a round trip through the thread pool and a
 * promise costs more than the five calls together; a tree of many small
 * files is mostly that overhead. The rules are file-chunks.ts's: opened
 * read-only without following a symlink that replaced the file since the
 * walk, without blocking on a FIFO, and size and times taken from the open
 * descriptor, so they describe the very file read.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type BigIntStats } from 'node:fs';
import { errorReason, specialFileReason } from '../pack/skip-reasons';

const openFlags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export type SmallFileRead =
  | { skipped: string }
  /** Larger than asked for: the caller reads it through the chunker instead. */
  | { large: true }
  /** `content` is what was read; `changed` says why it may not be the whole file, or not one version of it. */
  | { stats: BigIntStats; content: Buffer; changed?: string };

/** The file's content if it is a regular file under `maxBytes`; a reason it was skipped; or that it is larger. */
export function readSmallFile(sourcePath: Buffer, maxBytes: number): SmallFileRead {
  let fd: number;
  try {
    fd = openSync(sourcePath, openFlags);
  } catch (err) {
    return { skipped: errorReason(err) };
  }
  try {
    const stats = fstatSync(fd, { bigint: true });
    if (!stats.isFile()) return { skipped: stats.isDirectory() ? errorReason({ code: 'EISDIR' }) : specialFileReason(stats) };
    const size = Number(stats.size);
    if (size >= maxBytes) return { large: true };
    const content = Buffer.allocUnsafe(size);
    let read = 0;
    try {
      for (let got = -1; read < size && got !== 0; read += got) got = readSync(fd, content, read, size - read, read);
    } catch (err) {
      return { stats, content: content.subarray(0, read), changed: `could not be read to the end (${(err as NodeJS.ErrnoException).code}); the snapshot holds its first ${read} bytes` };
    }
    if (read < size) return { stats, content: content.subarray(0, read), changed: `shrank while being read; the snapshot holds its first ${read} bytes` };
    const after = fstatSync(fd, { bigint: true });
    if (after.size !== stats.size || after.mtimeNs !== stats.mtimeNs) return { stats, content, changed: 'was modified while being read; the snapshot may mix old and new content' };
    return { stats, content };
  } catch (err) {
    return { skipped: errorReason(err) };
  } finally {
    closeSync(fd);
  }
}
