/**
 * Files stored as a slice of a chunk they share with other small files
 * (docs/PROTOCOL.md, "The tree"): what of the chunk is theirs, and how much a
 * read of their content may take.
 */
import { maxSharedChunkBytes, type TreeEntry } from '../snapshot/tree-entry';

type FileEntry = TreeEntry & { type: 'file' };

/**
 * The file's part of `chunk`: all of it for a file stored whole; undefined
 * when the chunk is too short for the slice, or longer than a shared chunk
 * may be (reads were budgeted at that size).
 */
export function sliceOf(entry: FileEntry, chunk: Buffer): Buffer | undefined {
  if (entry.offset === undefined) return chunk;
  const end = entry.offset + entry.size;
  return end <= chunk.length && chunk.length <= maxSharedChunkBytes ? chunk.subarray(entry.offset, end) : undefined;
}

/** The most plaintext reading the file's chunks may bring: its size, or for a slice the largest chunk it may share. */
export function storedBytesBound(entry: FileEntry): number {
  return entry.offset === undefined ? entry.size : maxSharedChunkBytes;
}
