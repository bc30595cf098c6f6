/**
 * Stores one regular file in two steps. openSourceFile opens it, fstats the
 * descriptor and reads the first chunk; it may run ahead of the archive.
 * writeFileEntry then writes the header from that fstat, so the header
 * describes the very file being read (no stat/open race), and streams the
 * rest, hashing as it goes.
 *
 * Before the header is written, a file that cannot be opened or read is
 * simply skipped. After it, the archive must get exactly the declared size:
 * a file that shrinks or fails mid-read is padded with zero bytes and
 * reported as changed, so the archive stays valid and the backup survives.
 */
import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Pack } from 'tar-stream';
import { manifestPath, type ManifestEntry } from './manifest';
import { errorReason, specialFileReason } from './skip-reasons';
import { startEntry, writeChunk } from './tar-entry';

const chunkSize = 64 * 1024;
const zeros = Buffer.alloc(chunkSize);

// O_NONBLOCK: opening a FIFO that replaced the file since the walk must not block; it has no effect on regular files.
const openFlags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export interface OpenedFile {
  handle: FileHandle;
  stats: Stats;
  /** The first chunk of content: the whole file when it is small. */
  head: Buffer;
}

export type Opening = { opened: OpenedFile } | { skipped: string };

export interface StoredFile {
  stored: ManifestEntry & { type: 'file' };
  changed?: string;
}

/** Opens a file and reads its first chunk; the handle is the caller's to close (writeFileEntry does). */
export async function openSourceFile(sourcePath: Buffer): Promise<Opening> {
  let handle: FileHandle;
  try {
    handle = await open(sourcePath, openFlags);
  } catch (err) {
    return { skipped: errorReason(err) };
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) return await closed(handle, errorReason({ code: 'EISDIR' }));
    if (!stats.isFile()) return await closed(handle, specialFileReason(stats));
    // A fresh buffer per chunk: tar-stream keeps a reference until the reader has taken it.
    const head = Buffer.allocUnsafe(Math.min(chunkSize, stats.size));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return { opened: { handle, stats, head: head.subarray(0, bytesRead) } };
  } catch (err) {
    return closed(handle, errorReason(err));
  }
}

/** Writes the entry and always closes the file. */
export async function writeFileEntry(tarStream: Pack, file: OpenedFile, archivePath: Buffer, signal: AbortSignal, onBytes: (count: number) => void): Promise<StoredFile> {
  const { handle, stats: before } = file;
  try {
    signal.throwIfAborted();
    const mode = before.mode & 0o7777;
    const entry = startEntry(tarStream, { name: archivePath, type: 'file', size: before.size, mode, mtime: before.mtime });
    const hash = createHash('sha256');
    let changed: string | undefined;
    let next: Buffer | undefined = file.head;
    for (let position = 0; position < before.size; ) {
      signal.throwIfAborted();
      const length = Math.min(chunkSize, before.size - position);
      let chunk: Buffer;
      if (changed !== undefined) {
        chunk = zeros.subarray(0, length);
      } else {
        try {
          chunk = next ?? (await readChunk(handle, position, length));
        } catch (err) {
          chunk = Buffer.alloc(0);
          changed = `could not be read to the end (${(err as NodeJS.ErrnoException).code}); the stored copy ends in zero bytes`;
        }
        next = undefined;
        if (chunk.length === 0) {
          changed ??= 'shrank while packing; the stored copy ends in zero bytes';
          chunk = zeros.subarray(0, length);
        }
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
    const stored = { type: 'file' as const, ...manifestPath(archivePath), size: before.size, mode, mtime: Math.floor(before.mtimeMs), sha256: hash.digest('hex') };
    return changed === undefined ? { stored } : { stored, changed };
  } finally {
    await handle.close();
  }
}

async function readChunk(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const chunk = Buffer.allocUnsafe(length);
  const { bytesRead } = await handle.read(chunk, 0, length, position);
  return chunk.subarray(0, bytesRead);
}

async function closed(handle: FileHandle, reason: string): Promise<Opening> {
  await handle.close();
  return { skipped: reason };
}
