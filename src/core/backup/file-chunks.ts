/**
 * Reads one file into chunks. The file is opened read-only without
 * following a symlink that replaced it since the walk, and without blocking
 * on a FIFO that did; the size and times come from the open descriptor, so
 * they describe the very file read. A file that shrinks, fails mid-read or
 * changes while read keeps what was read (its size is what its chunks hold)
 * and is reported as changed, as the archive packer does; such a file is
 * not cached, so the next run reads it again.
 */
import { constants, type BigIntStats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { FastCdcChunker } from '../chunk/fastcdc';
import { errorReason, specialFileReason } from '../pack/skip-reasons';
import type { FileStamp } from '../store';

// O_NONBLOCK: opening a FIFO that replaced the file since the walk must not block; it has no effect on regular files.
const openFlags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export type OpenedFile = { handle: FileHandle; stats: BigIntStats } | { skipped: string };

export interface ReadFile {
  /** Bytes read: the sum of its chunks' lengths. */
  size: number;
  chunks: string[];
  /** The stamp before reading, to cache when nothing changed. */
  stamp: FileStamp;
  changed?: string;
}

/** Opens and fstats a regular file; the handle is the caller's to close (readChunks does). */
export async function openRegularFile(sourcePath: Buffer): Promise<OpenedFile> {
  let handle: FileHandle;
  try {
    handle = await open(sourcePath, openFlags);
  } catch (err) {
    return { skipped: errorReason(err) };
  }
  try {
    const stats = await handle.stat({ bigint: true });
    if (stats.isFile()) return { handle, stats };
    await handle.close();
    return { skipped: stats.isDirectory() ? errorReason({ code: 'EISDIR' }) : specialFileReason(stats) };
  } catch (err) {
    await handle.close();
    return { skipped: errorReason(err) };
  }
}

export function stampOf(stats: BigIntStats): FileStamp {
  return { size: Number(stats.size), mtimeNs: stats.mtimeNs, ctimeNs: stats.ctimeNs, inode: stats.ino };
}

/**
 * Reads the opened file through `chunker` into `buffer` (reused from file to
 * file: the chunker copies what it keeps), handing each chunk to `addChunk`
 * in order. Always closes the file.
 */
export async function readChunks(
  file: { handle: FileHandle; stats: BigIntStats },
  chunker: FastCdcChunker,
  buffer: Buffer,
  addChunk: (chunk: Buffer) => Promise<string>,
  onBytes: (count: number) => void,
  signal: AbortSignal | undefined,
): Promise<ReadFile> {
  const { handle, stats: before } = file;
  const stamp = stampOf(before);
  const chunks: string[] = [];
  let position = 0;
  let changed: string | undefined;
  try {
    while (position < stamp.size) {
      signal?.throwIfAborted();
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, stamp.size - position), position));
      } catch (err) {
        changed = `could not be read to the end (${(err as NodeJS.ErrnoException).code}); the snapshot holds its first ${position} bytes`;
        break;
      }
      if (bytesRead === 0) {
        changed = `shrank while being read; the snapshot holds its first ${position} bytes`;
        break;
      }
      for (const chunk of chunker.push(buffer.subarray(0, bytesRead))) chunks.push(await addChunk(chunk));
      position += bytesRead;
      onBytes(bytesRead);
    }
    const last = chunker.end();
    if (last) chunks.push(await addChunk(last));
    if (changed === undefined) {
      const after = await handle.stat({ bigint: true });
      if (after.size !== before.size || after.mtimeNs !== before.mtimeNs) changed = 'was modified while being read; the snapshot may mix old and new content';
    }
  } finally {
    await handle.close();
  }
  // A copy at its exact length: the list is kept in the file cache, and one grown by push keeps spare room.
  const kept = chunks.slice();
  return changed === undefined ? { size: position, chunks: kept, stamp } : { size: position, chunks: kept, stamp, changed };
}
