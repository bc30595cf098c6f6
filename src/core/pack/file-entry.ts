/**
 * Stores one regular file: open first, then fstat the descriptor and write the
 * header from that, so the header describes the very file being read (no
 * stat/open race). The content is hashed as it streams.
 *
 * Once the header is out, the archive must get exactly the declared size: a
 * file that shrinks or fails mid-read is padded with zero bytes and reported
 * as changed, so the archive stays valid and the rest of the backup survives.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Pack } from 'tar-stream';
import type { ManifestEntry } from './manifest';
import { errorReason, specialFileReason } from './skip-reasons';
import { startEntry, writeChunk } from './tar-entry';

const chunkSize = 64 * 1024;
const zeros = Buffer.alloc(chunkSize);

// O_NONBLOCK: opening a FIFO that replaced the file since the walk must not block; it has no effect on regular files.
const openFlags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export type FileOutcome =
  | { stored: ManifestEntry & { type: 'file' }; changed?: string }
  | { skipped: string };

export async function packFile(
  tarStream: Pack,
  sourcePath: string,
  archivePath: string,
  signal: AbortSignal,
  onBytes: (count: number) => void,
): Promise<FileOutcome> {
  let handle: FileHandle;
  try {
    handle = await open(sourcePath, openFlags);
  } catch (err) {
    return { skipped: errorReason(err) };
  }
  try {
    const before = await handle.stat();
    if (before.isDirectory()) return { skipped: errorReason({ code: 'EISDIR' }) };
    if (!before.isFile()) return { skipped: specialFileReason(before) };

    const mode = before.mode & 0o7777;
    const entry = startEntry(tarStream, { name: archivePath, type: 'file', size: before.size, mode, mtime: before.mtime });
    const hash = createHash('sha256');
    let changed: string | undefined;
    for (let position = 0; position < before.size; ) {
      signal.throwIfAborted();
      const length = Math.min(chunkSize, before.size - position);
      let chunk: Buffer;
      if (changed === undefined) {
        // A fresh buffer per chunk: tar-stream keeps a reference until the reader has taken it.
        chunk = Buffer.allocUnsafe(length);
        let bytesRead: number;
        try {
          ({ bytesRead } = await handle.read(chunk, 0, length, position));
        } catch (err) {
          bytesRead = 0;
          changed = `could not be read to the end (${(err as NodeJS.ErrnoException).code}); the stored copy ends in zero bytes`;
        }
        if (bytesRead === 0) {
          changed ??= 'shrank while packing; the stored copy ends in zero bytes';
          chunk = zeros.subarray(0, length);
        } else {
          chunk = chunk.subarray(0, bytesRead);
        }
      } else {
        chunk = zeros.subarray(0, length);
      }
      hash.update(chunk);
      await writeChunk(entry.body, chunk, signal);
      position += chunk.length;
      onBytes(chunk.length);
    }
    entry.body.end(null); // streamx typings want an argument; null adds no data
    await entry.done;

    const after = await handle.stat();
    if (changed === undefined && (after.size !== before.size || after.mtimeMs !== before.mtimeMs)) {
      changed = 'was modified while packing; the stored copy may mix old and new content';
    }
    const stored = { type: 'file' as const, path: archivePath, size: before.size, mode, mtime: Math.floor(before.mtimeMs), sha256: hash.digest('hex') };
    return changed === undefined ? { stored } : { stored, changed };
  } finally {
    await handle.close();
  }
}
