/**
 * Writes a small file whose content is all at hand with plain blocking
 * calls: open, write, mode, times, close. For many small files this is far
 * cheaper than a round trip to the thread pool for each call, and each call
 * is short; the caller lets other work in between files (folder-writer.ts).
 *
 * The file is created as the streamed path creates it (O_EXCL | O_NOFOLLOW,
 * owner-only until its mode is set). Content with a whole block of zeros is
 * left to the streamed path, which keeps holes.
 */
import { closeSync, constants, fchmodSync, futimesSync, openSync, writeSync } from 'node:fs';

/** The usual file system block size: the smallest hole a file can have. */
const blockSize = 4096;
const zeroBlock = Buffer.alloc(blockSize);

/** Whether the content, counted from the start of the file, has a whole block of zeros that the file should keep as a hole. */
export function hasZeroBlock(content: readonly Buffer[], size: number): boolean {
  if (size < blockSize) return false;
  const whole = content.length === 1 ? content[0]! : Buffer.concat(content, size);
  for (let offset = 0; offset + blockSize <= size; offset += blockSize) {
    if (whole.subarray(offset, offset + blockSize).equals(zeroBlock)) return true;
  }
  return false;
}

/** Creates the file at `where` with `content`, then its mode and mtime (seconds, as fs.utimes takes them). Throws EEXIST if something is there. */
export function writeWholeFile(where: Buffer, content: readonly Buffer[], mode: number, mtime: number): void {
  const fd = openSync(where, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    let position = 0;
    for (const piece of content) {
      for (let done = 0; done < piece.length; ) done += writeSync(fd, piece, done, piece.length - done, position + done);
      position += piece.length;
    }
    fchmodSync(fd, mode);
    futimesSync(fd, mtime, mtime);
  } finally {
    closeSync(fd);
  }
}
