/**
 * A plan's chunked backup (format version 2): one pass with the plan's file
 * cache, then the cache updated to what the committed snapshot holds.
 */
import type { ChunkKeys } from '../chunk/chunk-keys';
import { UserError } from '../errors';
import type { Identity } from '../identity/keys';
import { LoadedFileCache, type Plan, type SkippedPath, type Store } from '../store';
import type { Receipt } from '../wire/receipt';
import type { SignedStatement } from '../wire/signing';
import { BackupProgress, type BackupFigures } from './backup-progress';
import type { ChunkDestination } from './chunk-destination';
import { sendSnapshotPass } from './snapshot-pass';

export interface ChunkedBackupOptions {
  store: Store;
  plan: Plan & { destination: string };
  snapshotId: string;
  identity: Identity;
  keys: ChunkKeys;
  destination: ChunkDestination;
  /** Pack files are named this followed by a number and `.tar`. */
  packPathPrefix: string;
  signal?: AbortSignal;
  onProgress?: (figures: BackupFigures) => void;
  now?: () => number;
}

export interface ChunkedBackupResult {
  receipt: Receipt;
  /** The receipt as the destination signed it. */
  signed: SignedStatement;
  files: number;
  /** The plaintext bytes of every file in the snapshot. */
  contentBytes: number;
  figures: BackupFigures;
  skipped: SkippedPath[];
}

export async function runChunkedBackup(options: ChunkedBackupOptions): Promise<ChunkedBackupResult> {
  const { store, plan } = options;
  const progress = new BackupProgress(options.onProgress, options.now);
  const cached = await store.fileCache.load(plan.id, plan.destination);
  let pass = await sendSnapshotPass({ ...options, cache: cached, nextCache: await store.fileCache.writer(plan.id, cached), progress });
  if (!pass.commit.committed) {
    // The destination lacks chunks this machine's cache said it holds (it lost them, or collected them as
    // garbage): the cache cannot be trusted, so forget it and send the snapshot once more reading every file,
    // which asks the destination about every chunk again.
    await store.fileCache.clear(plan.id);
    progress.startOver();
    const none = new LoadedFileCache([]);
    pass = await sendSnapshotPass({ ...options, packPathPrefix: `${options.packPathPrefix}full-`, cache: none, nextCache: await store.fileCache.writer(plan.id, none), progress });
  }
  const { commit } = pass;
  if (!commit.committed) {
    throw new UserError(
      `${plan.destination} refused snapshot ${options.snapshotId} of plan "${plan.name}" for ${commit.missing.length} missing chunks, even after every file was read and sent again: its store may be damaged. Ask your teammate to check their machine, or back up to another teammate.`,
      { code: 'transfer-failed', retryable: false },
    );
  }
  await store.fileCache.save(plan.id, plan.destination, pass.nextCache);
  progress.changed(true);
  return { receipt: commit.receipt, signed: commit.signed, files: pass.files, contentBytes: pass.contentBytes, figures: progress.figures, skipped: pass.skipped };
}
