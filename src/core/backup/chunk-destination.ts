/**
 * Where a backup's packs and manifest go: the teammate's receiver over the
 * network (transfer/chunk-client.ts), seen by the backup through this
 * interface only.
 */
import type { Receipt } from '../wire/receipt';
import type { SignedStatement } from '../wire/signing';

/** A pack written to the spool: a tar of chunk entries whose ID is the SHA-256 of its bytes. */
export interface PackFile {
  id: string;
  path: string;
  size: number;
  /** How many chunk entries it holds. */
  chunks: number;
}

export type CommitResult = { committed: true; receipt: Receipt; signed: SignedStatement } | { committed: false; missing: string[] };

export interface ChunkDestination {
  /** Those of `ids` the destination does not hold (at most maxIdsPerQuestion per call). */
  missing(ids: string[], signal?: AbortSignal): Promise<Set<string>>;
  /** Stores the pack whole and verified, or throws a UserError. */
  putPack(pack: PackFile, signal?: AbortSignal, onBytes?: (sent: number) => void): Promise<void>;
  /** Commits the signed manifest: a checked receipt, or the chunks it references that the destination lacks. */
  commit(snapshotId: string, manifest: SignedStatement, signal?: AbortSignal): Promise<CommitResult>;
}

/** Reaches the destination that holds `peerId`'s copy; a teammate that cannot be reached now is a retryable UserError. */
export type DestinationFactory = (peerId: string, signal?: AbortSignal) => Promise<ChunkDestination>;
