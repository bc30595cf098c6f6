/**
 * Which version of one path a snapshot holds, read from its tree alone: no
 * data chunk is fetched. A file's fingerprint is a hash over its chunk IDs,
 * which are keyed hashes of the content, so two snapshots holding the same
 * bytes give the same fingerprint and a history can show them as one
 * version.
 */
import { createHash } from 'node:crypto';
import type { TreeEntry } from '../snapshot/tree-entry';
import type { ReadableSnapshot } from './readable-snapshot';
import type { Selection } from './selection';
import { readTree } from './tree-reader';

export interface PathVersion {
  type: TreeEntry['type'];
  /** Content bytes; 0 for a folder or a link. */
  size: number;
  mtimeMs: number;
  /** Equal for equal content: the file's chunk IDs, a link's target, or the folder marker, hashed. */
  fingerprint: string;
}

/** The entry `path` names in the snapshot; undefined when the snapshot does not hold it. */
export async function findPathVersion(snapshot: ReadableSnapshot, path: NonNullable<Selection>, signal?: AbortSignal): Promise<PathVersion | undefined> {
  const wanted = withoutTrailingSlashes(path);
  for await (const entries of readTree(snapshot, signal)) {
    const entry = entries.find((each) => each.path.equals(wanted));
    if (entry !== undefined) return versionOf(entry);
  }
  return undefined;
}

function versionOf(entry: TreeEntry): PathVersion {
  const hash = createHash('sha256').update(entry.type);
  if (entry.type === 'file') for (const id of [String(entry.size), ...entry.chunks]) hash.update(`\n${id}`);
  if (entry.type === 'symlink') hash.update('\n').update(entry.target);
  return { type: entry.type, size: entry.type === 'file' ? entry.size : 0, mtimeMs: entry.mtimeMs, fingerprint: hash.digest('hex') };
}

function withoutTrailingSlashes(path: Buffer): Buffer {
  let end = path.length;
  while (end > 1 && path[end - 1] === 0x2f) end--;
  return path.subarray(0, end);
}
