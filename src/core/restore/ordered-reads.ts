/**
 * Reads chunks in the order a restore needs them. `uses` may name a chunk
 * more than once (a file repeated in the snapshot, a run of zeros, the
 * small files sharing a bundle): it is asked for once, in the order of its
 * first use, and its plaintext is held only until its last use in `uses`
 * has been handed out. The uses each stored chunk makes ready are handed
 * out together, not one generator step each.
 *
 * Every chunk is opened before use (tag, then ID); one the source did not
 * ask for, or answers out of order, fails the read.
 */
import { openChunk } from '../chunk/chunk-seal';
import { UserError } from '../errors';
import { releaseBuffer } from '../util/release-buffer';
import type { StoredChunk } from './chunk-source';
import type { ReadableSnapshot } from './readable-snapshot';
import { damagedSnapshot, unreadableChunk } from './snapshot-errors';

/** The plaintext of each of `uses`, in order, in groups. The caller keeps `uses` within one read's limits (read-batches.ts). */
export function readInOrder(snapshot: ReadableSnapshot, uses: readonly string[], signal?: AbortSignal): AsyncGenerator<Buffer[]> {
  const ids = distinct(uses);
  return openInOrder(snapshot, uses, ids.length === 0 ? [] : snapshot.source.read(ids, signal));
}

/** Each of `uses` opened from `storedChunks`, which must answer distinct(uses) in that order; in groups, each never empty. */
export async function* openInOrder(
  snapshot: ReadableSnapshot,
  uses: readonly string[],
  storedChunks: AsyncIterable<StoredChunk> | Iterable<StoredChunk>,
): AsyncGenerator<Buffer[]> {
  if (uses.length === 0) return;
  const usesLeft = new Map<string, number>();
  for (const id of uses) usesLeft.set(id, (usesLeft.get(id) ?? 0) + 1);
  const ids = [...usesLeft.keys()];
  const held = new Map<string, Buffer>();
  let received = 0;
  let next = 0;
  for await (const stored of storedChunks) {
    const expected = ids[received++];
    if (stored.id !== expected) {
      throw damagedSnapshot(snapshot.manifest, `asked for chunk ${expected ?? '(none)'}, the store answered with another`);
    }
    held.set(expected, open(snapshot, expected, stored.bytes));
    const ready: Buffer[] = [];
    while (next < uses.length && held.has(uses[next]!)) {
      const id = uses[next++]!;
      ready.push(held.get(id)!);
      const left = usesLeft.get(id)! - 1;
      usesLeft.set(id, left);
      if (left === 0) held.delete(id);
    }
    if (ready.length > 0) yield ready;
  }
  if (next < uses.length) throw damagedSnapshot(snapshot.manifest, `the store answered with ${received} of the ${ids.length} chunks asked for`);
}

/** Each chunk of `uses` once, in the order of its first use: what one read asks for. */
export function distinct(uses: readonly string[]): string[] {
  return [...new Set(uses)];
}

/** Opens a stored chunk, whose bytes are the caller's to hand over: once opened, they are released. */
function open(snapshot: ReadableSnapshot, id: string, sealed: Buffer): Buffer {
  try {
    const plaintext = openChunk(snapshot.keys, id, sealed);
    releaseBuffer(sealed);
    return plaintext;
  } catch (err) {
    if (err instanceof UserError) throw unreadableChunk(snapshot.manifest, err);
    throw err;
  }
}
