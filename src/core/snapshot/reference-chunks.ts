/**
 * Reference chunks: the plain list of the data chunk IDs a snapshot needs,
 * which the receiver reads to commit a snapshot and to collect garbage. IDs
 * are 32 raw bytes back to back. The list is cut after an ID whose first byte
 * is 0 and second byte is below 16 (about one in 4,096) or after the 65,536th,
 * so cuts depend on the IDs, not on their positions: an insertion changes one
 * reference chunk, and an unchanged list gives the same chunks. A reference
 * chunk is named by the SHA-256 of its bytes, which the receiver can check.
 */
import { createHash } from 'node:crypto';
import { chunkIdPattern, maxIdsPerReferenceChunk } from '../wire/chunk-protocol';

const idBytes = 32;

export interface ReferenceChunk {
  id: string;
  bytes: Buffer;
}

/** Collects IDs (each once, in the order first added) and hands over each reference chunk as soon as it is cut. */
export class ReferenceListWriter {
  private readonly seen = new Set<string>();
  private pending: Buffer[] = [];

  constructor(private readonly onChunk: (chunk: ReferenceChunk) => void) {}

  add(chunkId: string): void {
    if (this.seen.has(chunkId)) return;
    this.seen.add(chunkId);
    const raw = Buffer.from(chunkId, 'hex');
    this.pending.push(raw);
    if ((raw[0] === 0 && raw[1]! < 16) || this.pending.length === maxIdsPerReferenceChunk) this.cut();
  }

  /** Cuts what is left; call once, after the last add. */
  finish(): void {
    if (this.pending.length > 0) this.cut();
  }

  private cut(): void {
    const bytes = Buffer.concat(this.pending);
    this.pending = [];
    this.onChunk({ id: referenceChunkId(bytes), bytes });
  }
}

export function referenceChunkId(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The IDs in a reference chunk, or undefined when its bytes are not a list of IDs. */
export function idsInReferenceChunk(bytes: Buffer): string[] | undefined {
  if (bytes.length === 0 || bytes.length % idBytes !== 0 || bytes.length / idBytes > maxIdsPerReferenceChunk) return undefined;
  const ids: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += idBytes) ids.push(bytes.toString('hex', offset, offset + idBytes));
  return ids.every((id) => chunkIdPattern.test(id)) ? ids : undefined;
}
