/**
 * One backup run: plan -> storage keys -> chunked backup (walk, chunk,
 * reach the teammate's store when the first chunks are ready, send what it
 * lacks, commit the signed manifest) -> record. Every run is a row in `runs`,
 * written when it starts and when it ends, whatever the outcome.
 *
 * Whether and how long to retry reaching an offline teammate is the
 * caller's choice (`retry`): the runner has no policy of its own.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackupFigures } from './backup/backup-progress';
import type { ChunkDestination, DestinationFactory } from './backup/chunk-destination';
import { runChunkedBackup } from './backup/chunked-backup';
import { reachedOnFirstUse } from './backup/lazy-destination';
import type { ChunkKeys } from './chunk/chunk-keys';
import { codeOf, UserError } from './errors';
import { noRetries, retrying, type RetryPolicy } from './retry';
import type { Run, SkippedPath } from './store';
import type { PeerContext } from './transfer/connect';

export interface RunnerContext extends PeerContext {
  /** Where packs wait while being sent: the home's spool folder. */
  spoolDir: string;
  /** The keys chunks are named and sealed with, from the storage secret; asked for at each run. */
  chunkKeys: () => Promise<ChunkKeys>;
  /** Reaches the store where a plan's snapshots go. */
  destinationFor: DestinationFactory;
  /** Called once a run has succeeded and is recorded (the recovery kit, retention); what it throws does not undo the run. */
  afterBackup?: (run: Run) => Promise<string[]>;
}

export type RunPhase = 'packing' | 'connecting' | 'uploading';

export interface RunProgress {
  /** The run's row in the history. */
  runId: number;
  plan: string;
  phase: RunPhase;
  /** Files examined. */
  files: number;
  /** Bytes examined (packing: read, or known unchanged), or sent (uploading). */
  bytes: number;
  /** Of the files examined, those found unchanged since the last backup, and their bytes: not read again. */
  unchangedFiles?: number;
  unchangedBytes?: number;
  /** Bytes of content the teammate did not hold yet, and bytes sent so far. */
  newBytes?: number;
  sentBytes?: number;
  /** The total to send, when known. */
  totalBytes?: number;
  bytesPerSecond: number;
  etaSeconds?: number;
  /** Set when a connection attempt failed and another follows. */
  retryingIn?: number;
  detail?: string;
}

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (progress: RunProgress) => void;
  /** Connection attempts again after a failure that time may fix (teammate offline); none by default. */
  retry?: RetryPolicy;
}

export async function runBackup(context: RunnerContext, planName: string, options: RunOptions = {}): Promise<Run> {
  const { store } = context;
  const plan = await store.plans.get(planName);
  const runId = await store.runs.start(plan.id);
  let files = 0;
  let skipped: SkippedPath[] = [];
  try {
    if (plan.items.length === 0) throw new UserError(`plan "${plan.name}" has no designated files or folders; add some first`, { code: 'nothing-to-back-up' });
    const destinationPeer = plan.destination;
    if (!destinationPeer) throw new UserError(`plan "${plan.name}" has no destination; choose the teammate to back up to`, { code: 'no-destination' });
    const report = (progress: Omit<RunProgress, 'runId' | 'plan'>) => options.onProgress?.({ runId, plan: plan.name, ...progress });
    const keys = await context.chunkKeys();
    const destination = reachedOnFirstUse(() => reachWithRetries(context, destinationPeer, options, report));
    await mkdir(context.spoolDir, { recursive: true, mode: 0o700 });
    const snapshotId = `${new Date().toISOString().replace(/[-:]|\.\d+/g, '')}-${runId}-${randomBytes(3).toString('hex')}`;
    const started = Date.now();
    const backedUp = await runChunkedBackup({
      store,
      plan: { ...plan, destination: destinationPeer },
      snapshotId,
      identity: context.identity,
      keys,
      destination,
      // The run's ID in the name lets the spool clean-up remove the packs of a run that was killed.
      packPathPrefix: join(context.spoolDir, `run-${runId}-${randomBytes(4).toString('hex')}-pack-`),
      signal: options.signal,
      onProgress: (figures) => report(progressOf(figures, started)),
    });
    files = backedUp.files;
    skipped = backedUp.skipped;
    const succeeded = await store.runs.finish(runId, {
      status: 'succeeded',
      files,
      bytes: backedUp.figures.sentBytes,
      contentBytes: backedUp.contentBytes,
      skipped,
      snapshotId,
      receipt: backedUp.signed,
    });
    // The snapshot stands whatever happens next; what fails after it is kept as the run's warning.
    const problems = (await context.afterBackup?.(succeeded).catch((err: Error) => [err.message])) ?? [];
    return problems.length > 0 ? store.runs.noteWarning(runId, problems.join(' ')) : succeeded;
  } catch (err) {
    const cancelled = options.signal?.aborted === true || codeOf(err) === 'cancelled';
    const run = await store.runs.finish(runId, {
      status: cancelled ? 'cancelled' : 'failed',
      files,
      skipped,
      error: cancelled ? 'cancelled' : err instanceof UserError ? err.message : `internal error: ${(err as Error).message}`,
      failureStep: cancelled ? null : (codeOf(err) ?? null),
    });
    // A UserError is an outcome, recorded above; anything else is a bug, recorded and then surfaced.
    if (!cancelled && !(err instanceof UserError)) throw err;
    return run;
  }
}

type Report = (progress: Omit<RunProgress, 'runId' | 'plan'>) => void;

/** Reaches the teammate's store, again after a failure time may fix if the caller's policy says so. */
async function reachWithRetries(context: RunnerContext, peerId: string, options: RunOptions, report: Report): Promise<ChunkDestination> {
  return retrying(
    async () => {
      if (options.signal?.aborted) throw new UserError('the backup was cancelled while waiting for the teammate', { code: 'cancelled' });
      report({ phase: 'connecting', files: 0, bytes: 0, bytesPerSecond: 0, detail: `looking up ${peerId}` });
      return context.destinationFor(peerId, options.signal);
    },
    {
      policy: options.retry ?? noRetries,
      signal: options.signal,
      shouldRetry: (result) => !result.ok && result.error instanceof UserError && result.error.retryable,
      onAttempted: (result, _attempt, retryInMs) => {
        if (!result.ok && retryInMs !== undefined) report({ phase: 'connecting', files: 0, bytes: 0, bytesPerSecond: 0, retryingIn: retryInMs / 1000, detail: (result.error as Error).message });
      },
    },
  );
}

/**
 * The figures as run progress: 'packing' while files are examined (the rate
 * is of bytes examined, the work that sets the pace), then 'uploading' while
 * the last packs go out and the snapshot is committed.
 */
function progressOf(figures: BackupFigures, started: number): Omit<RunProgress, 'runId' | 'plan'> {
  const seconds = (Date.now() - started) / 1000;
  const shown = figures.examined ? figures.sentBytes : figures.bytes;
  return {
    phase: figures.examined ? 'uploading' : 'packing',
    files: figures.files,
    bytes: shown,
    unchangedFiles: figures.unchangedFiles,
    unchangedBytes: figures.unchangedBytes,
    newBytes: figures.newBytes,
    sentBytes: figures.sentBytes,
    bytesPerSecond: seconds > 0 ? shown / seconds : 0,
    detail: figures.currentPath,
  };
}
