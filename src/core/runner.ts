/**
 * One backup run: plan -> pack (to a spool file, hashing) -> resolve the
 * teammate's address -> prove identity -> upload -> check receipt -> record.
 * Every run is a row in `runs`, written when it starts and when it ends,
 * whatever the outcome.
 *
 * The archive is packed to a spool file first so its length and SHA-256 are
 * known before the first byte is sent (both are signed), and so retrying an
 * offline peer does not pack again (docs/PROTOCOL.md, "Why pack first").
 * Whether and how long to retry is the caller's choice (`retry`): the
 * runner has no policy of its own.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { codeOf, UserError } from './errors';
import { packArchive } from './pack';
import { noRetries, retrying, type RetryPolicy } from './retry';
import type { Plan, Run, SkippedPath } from './store';
import { connectToPeer, type PeerContext } from './transfer/connect';
import type { ArchiveFile } from './transfer/sender';
import { hashingMeter } from './util/hashing-meter';

export interface RunnerContext extends PeerContext {
  /** Where archives wait while being sent: the home's spool folder. */
  spoolDir: string;
}

export type RunPhase = 'packing' | 'connecting' | 'uploading';

export interface RunProgress {
  /** The run's row in the history. */
  runId: number;
  plan: string;
  phase: RunPhase;
  files: number;
  /** Bytes packed (packing) or sent (uploading). */
  bytes: number;
  /** Archive size while uploading; unknown while packing. */
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
  const spoolFile = join(context.spoolDir, `run-${runId}-${randomBytes(4).toString('hex')}.tar.gz`);
  let files = 0;
  let skipped: SkippedPath[] = [];
  try {
    if (plan.items.length === 0) throw new UserError(`plan "${plan.name}" has no designated files or folders; add some first`, { code: 'nothing-to-back-up' });
    if (!plan.destination) throw new UserError(`plan "${plan.name}" has no destination; choose the teammate to back up to`, { code: 'no-destination' });
    const report = (progress: Omit<RunProgress, 'runId' | 'plan'>) => options.onProgress?.({ runId, plan: plan.name, ...progress });
    const packed = await packToSpool(plan, spoolFile, options.signal, report);
    files = packed.files;
    skipped = packed.skipped;
    const snapshotId = `${new Date().toISOString().replace(/[-:]|\.\d+/g, '')}-${runId}-${randomBytes(3).toString('hex')}`;
    const shipment = { peerId: plan.destination, archive: packed.archive, snapshot: { id: snapshotId, plan: plan.name }, files };
    const stored = await sendWithRetries(context, shipment, options, report);
    return await store.runs.finish(runId, {
      status: 'succeeded',
      files,
      bytes: packed.archive.size,
      contentBytes: packed.contentBytes,
      skipped,
      snapshotId,
      receipt: stored.signed,
    });
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
  } finally {
    await rm(spoolFile, { force: true });
  }
}

type Report = (progress: Omit<RunProgress, 'runId' | 'plan'>) => void;

async function packToSpool(plan: Plan, spoolFile: string, signal: AbortSignal | undefined, report: Report): Promise<{ archive: ArchiveFile; files: number; contentBytes: number; skipped: SkippedPath[] }> {
  await mkdir(join(spoolFile, '..'), { recursive: true, mode: 0o700 });
  const started = Date.now();
  const handle = packArchive({
    planName: plan.name,
    items: plan.items,
    excludes: plan.excludes,
    respectGitignore: plan.respectGitignore,
    signal,
    onProgress: (progress) => report({ phase: 'packing', files: progress.files, bytes: progress.bytes, bytesPerSecond: rate(progress.bytes, started), detail: progress.currentPath }),
  });
  const meter = hashingMeter();
  try {
    await pipeline(handle.stream, meter.stream, createWriteStream(spoolFile, { mode: 0o600 }));
    const packed = await handle.result;
    return {
      archive: { path: spoolFile, size: meter.bytes(), sha256: meter.sha256() },
      files: packed.files,
      // Restoring this snapshot refuses an archive that unpacks to more than this.
      contentBytes: packed.bytes,
      skipped: [...packed.skipped, ...packed.changed],
    };
  } catch (err) {
    await handle.result.catch(() => undefined);
    if (signal?.aborted) throw new UserError('the backup was cancelled while packing', { code: 'cancelled' });
    throw err;
  }
}

/** What one run sends: the packed archive, where to, and under which snapshot id. */
interface Shipment {
  peerId: string;
  archive: ArchiveFile;
  snapshot: { id: string; plan: string };
  files: number;
}

/** Resolves and uploads, again after a failure time may fix if the caller's policy says so. */
async function sendWithRetries(context: RunnerContext, shipment: Shipment, options: RunOptions, report: Report) {
  const { files } = shipment;
  return retrying((attempt) => sendOnce(context, shipment, options.signal, report, attempt > 1), {
    policy: options.retry ?? noRetries,
    signal: options.signal,
    shouldRetry: (result) => !result.ok && result.error instanceof UserError && result.error.retryable,
    onAttempted: (result, _attempt, retryInMs) => {
      if (!result.ok && retryInMs !== undefined) report({ phase: 'connecting', files, bytes: 0, bytesPerSecond: 0, retryingIn: retryInMs / 1000, detail: (result.error as Error).message });
    },
  });
}

async function sendOnce(context: RunnerContext, { peerId, archive, snapshot, files }: Shipment, signal: AbortSignal | undefined, report: Report, fresh: boolean) {
  if (signal?.aborted) throw new UserError('the backup was cancelled while waiting for the teammate', { code: 'cancelled' });
  report({ phase: 'connecting', files, bytes: 0, bytesPerSecond: 0, detail: `looking up ${peerId}` });
  const { client, peer } = await connectToPeer(context, peerId, { size: archive.size, signal, freshLookup: fresh });
  const started = Date.now();
  return client.upload(peer, archive, snapshot, {
    signal,
    onBytes: (sent) => {
      const bytesPerSecond = rate(sent, started);
      report({
        phase: 'uploading',
        files,
        bytes: sent,
        totalBytes: archive.size,
        bytesPerSecond,
        etaSeconds: bytesPerSecond > 0 ? (archive.size - sent) / bytesPerSecond : undefined,
      });
    },
  });
}

function rate(bytes: number, since: number): number {
  const seconds = (Date.now() - since) / 1000;
  return seconds > 0 ? bytes / seconds : 0;
}
