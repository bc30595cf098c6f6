/**
 * Failures of a snapshot's own content, worded without naming who holds it:
 * the caller knows the teammate and adds it. Chunk IDs and paths in the
 * message come from the snapshot, so they are escaped.
 */
import { UserError } from '../errors';
import { printable } from '../printable';
import type { Manifest } from '../wire/chunk-protocol';

/** The snapshot is not as its sender wrote it: a restore must stop before using it. */
export function damagedSnapshot(manifest: Manifest, detail: string, cause?: unknown): UserError {
  return new UserError(`Snapshot ${printable(manifest.snapshotId)} is damaged: ${detail}. Nothing of it was restored; restore another snapshot.`, { code: 'damaged', cause });
}

/** A chunk that did not open (openChunk's 'tampered' or 'damaged'), restated for the snapshot it belongs to. */
export function unreadableChunk(manifest: Manifest, err: UserError): UserError {
  return new UserError(`Snapshot ${printable(manifest.snapshotId)} cannot be restored: ${err.message}`, { code: err.code, cause: err });
}
