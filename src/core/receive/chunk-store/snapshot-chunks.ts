/**
 * The chunks a manifest references: its tree chunks, its reference chunks,
 * and the data chunks those list, each once. The receiver reads the
 * reference chunks from its own packs and checks each against its ID, since
 * both committing and collecting garbage decide on what they say.
 */
import { UserError } from '../../errors';
import { idsInReferenceChunk, referenceChunkId } from '../../snapshot/reference-chunks';
import { manifestSchema, maxIdsPerQuestion, type Manifest } from '../../wire/chunk-protocol';
import type { SignedStatement } from '../../wire/signing';
import type { ChunkIndex, ChunkLocation } from './chunk-index';

export interface SnapshotChunks {
  /** Every chunk referenced that is stored, each once. */
  stored: Set<string>;
  /** Those not stored, at most maxIdsPerQuestion; a missing reference chunk hides the data chunks it lists. */
  missing: string[];
  /** The stored bytes of `stored`. */
  storedBytes: number;
}

export async function snapshotChunks(manifest: Manifest, index: ChunkIndex, readChunk: (id: string, location: ChunkLocation) => Promise<Buffer>): Promise<SnapshotChunks> {
  const stored = new Set<string>();
  const missing = new Set<string>();
  let storedBytes = 0;
  const note = (id: string): ChunkLocation | undefined => {
    if (stored.has(id) || missing.has(id)) return undefined;
    const location = index.find(id);
    if (location) {
      stored.add(id);
      storedBytes += location.length;
    } else if (missing.size < maxIdsPerQuestion) {
      missing.add(id);
    }
    return location;
  };
  for (const id of manifest.tree) note(id);
  for (const id of manifest.references) {
    const location = note(id);
    if (!location) continue;
    if (location.kind !== 'reference') {
      throw new UserError(`snapshot ${manifest.snapshotId} names ${id} as a reference chunk, but it is stored as a sealed chunk; send the snapshot with its reference chunks`, { code: 'bad-input' });
    }
    const bytes = await readChunk(id, location);
    const ids = referenceChunkId(bytes) === id ? idsInReferenceChunk(bytes) : undefined;
    if (!ids) throw new UserError(`reference chunk ${id} on this receiver does not match its ID: the receiver's storage is damaged`, { code: 'damaged' });
    for (const dataId of ids) note(dataId);
  }
  return { stored, missing: [...missing], storedBytes };
}

/** The manifest of a committed snapshot's file; its signature was checked when it was committed. */
export function committedManifest(signed: SignedStatement): Manifest | undefined {
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(Buffer.from(signed.statement, 'base64').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
