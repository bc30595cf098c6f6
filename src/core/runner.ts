/**
 * One backup run: plan -> pack (to a spool file, hashing) -> resolve the
 * teammate's address -> prove identity -> upload -> check receipt -> record.
 * Every run is a row in `runs`, written when it starts and when it ends,
 * whatever the outcome.
 *
 * The archive is packed to a spool file first so its length and SHA-256 are
 * known before the first byte is sent (both are signed), and so retrying an
 * offline peer does not pack again (docs/PROTOCOL.md, "Why pack first").
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { codeOf, UserError } from './errors';
import { packArchive } from './pack';
import type { Plan, Run, SkippedPath } from './store';
import { connectToPeer, type PeerContext } from './transfer/connect';
import type { ArchiveFile } from './transfer/sender';

export interface RunnerContext extends PeerContext {
  /** Where archives wait while being sent: the home's spool folder. */
  spoolDir: string;
}

export type RunPhase = 'packing' | 'connecting' | 'uploading';

export interface RunProgress {
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
  /** Pauses between connection attempts when the peer cannot be reached; the default gives about a minute. */
  retryDelaysMs?: number[];
}

const defaultRetryDelaysMs = [5_000, 15_000, 40_000];

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
    const packed = await packToSpool(plan, spoolFile, options);
    files = packed.files;
    skipped = packed.skipped;
    const snapshotId = `${new Date().toISOString().replace(/[-:]|\.\d+/g, '')}-${runId}-${randomBytes(3).toString('hex')}`;
    const stored = await sendWithRetries(context, { peerId: plan.destination, archive: packed.archive, snapshot: { id: snapshotId, plan: plan.name }, files }, options);
    return await store.runs.finish(runId, { status: 'succeeded', files, bytes: packed.archive.size, skipped, snapshotId, receipt: stored.signed });
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

async function packToSpool(plan: Plan, spoolFile: string, options: RunOptions): Promise<{ archive: ArchiveFile; files: number; skipped: SkippedPath[] }> {
  await mkdir(join(spoolFile, '..'), { recursive: true, mode: 0o700 });
  const started = Date.now();
  const handle = packArchive({
    planName: plan.name,
    items: plan.items,
    excludes: plan.excludes,
    respectGitignore: plan.respectGitignore,
    signal: options.signal,
    onProgress: (progress) =>
      options.onProgress?.({ phase: 'packing', files: progress.files, bytes: progress.bytes, bytesPerSecond: rate(progress.bytes, started), detail: progress.currentPath }),
  });
  const hash = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(handle.stream, hashing, createWriteStream(spoolFile, { mode: 0o600 }));
    const report = await handle.result;
    const { size } = await stat(spoolFile);
    return { archive: { path: spoolFile, size, sha256: hash.digest('hex') }, files: report.files, skipped: [...report.skipped, ...report.changed] };
  } catch (err) {
    await handle.result.catch(() => undefined);
    if (options.signal?.aborted) throw new UserError('the backup was cancelled while packing', { code: 'cancelled' });
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

/** Resolves and uploads, retrying while the failure is one that time can fix (peer offline, registry down). */
async function sendWithRetries(context: RunnerContext, shipment: Shipment, options: RunOptions) {
  const delays = options.retryDelaysMs ?? defaultRetryDelaysMs;
  const { files } = shipment;
  for (let attempt = 0; ; attempt++) {
    try {
      return await sendOnce(context, shipment, options, attempt > 0);
    } catch (err) {
      if (!(err instanceof UserError && err.retryable) || attempt >= delays.length || options.signal?.aborted) throw err;
      options.onProgress?.({ phase: 'connecting', files, bytes: 0, bytesPerSecond: 0, retryingIn: delays[attempt] / 1000, detail: (err as Error).message });
      await sleep(delays[attempt], undefined, { signal: options.signal }).catch(() => undefined);
      if (options.signal?.aborted) throw new UserError('the backup was cancelled while waiting for the peer', { code: 'cancelled' });
    }
  }
}

async function sendOnce(context: RunnerContext, { peerId, archive, snapshot, files }: Shipment, options: RunOptions, fresh: boolean) {
  options.onProgress?.({ phase: 'connecting', files, bytes: 0, bytesPerSecond: 0, detail: `looking up ${peerId}` });
  const { client, peer } = await connectToPeer(context, peerId, { size: archive.size, signal: options.signal, freshLookup: fresh });
  const started = Date.now();
  return client.upload(peer, archive, snapshot, {
    signal: options.signal,
    onBytes: (sent) => {
      const bytesPerSecond = rate(sent, started);
      options.onProgress?.({
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
