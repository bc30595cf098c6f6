/**
 * Snapshot use cases: what teammates hold for this machine, and bringing a
 * snapshot back, whole, one folder or one file, or exporting it as a plain
 * tar.gz. A restore trusts what this machine recorded at backup time, not
 * the teammate: the receipt the teammate lists now must be the one it
 * signed then (runs.receipt), or nothing is read.
 *
 * Snapshots of the chunked store (format 2) carry a manifest this machine
 * signed, so they are ours wherever they are restored: with no record here
 * (a new machine) the signature is the check. Each chunk is opened (AEAD
 * tag, then its keyed ID) before a byte of it is written (core/restore).
 *
 * Archive snapshots (format 1, made by Peer Backup 0.1) are still listed
 * and restored: downloaded to the spool while hashing, within the receipt's
 * size and a deadline, checked against the receipt, then extracted as
 * hostile input. One this machine holds no record of is restored only when
 * the user says to trust the teammate's copy, since nothing signed by this
 * machine travels with it.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ChunkKeys } from '../chunk/chunk-keys';
import { UserError } from '../errors';
import { formatTime } from '../human-format';
import { extractArchive, type ExtractReport } from '../pack';
import { printable } from '../printable';
import { countedSource, exportArchive, findPathVersion, openListedManifest, restoreToFolder, type ExportReport, type PathVersion } from '../restore';
import type { SnapshotRecord } from '../store/runs';
import { ChunkClient, type ListedManifest } from '../transfer/chunk-client';
import { connectToPeer } from '../transfer/connect';
import type { PeerClient, VerifiedPeer } from '../transfer/sender';
import { stallTimeoutFromEnv } from '../transfer/stall-watchdog';
import type { Manifest } from '../wire/chunk-protocol';
import { receiptSchema, type Receipt } from '../wire/receipt';
import type { SignedStatement } from '../wire/signing';
import { hashingMeter } from '../util/hashing-meter';
import type { App } from './app';

/** The CLI flag that restores a snapshot this machine holds no record of. */
export const trustTeammateCopyFlag = '--trust-teammate-copy';

/** How a teammate's receipt compares with what this machine recorded when the snapshot was stored. */
export type LocalRecord = 'matches' | 'differs' | 'none';

export interface ListedSnapshot extends Receipt {
  localRecord: LocalRecord;
  /** `chunked`: the chunked store (format 2); `archive`: one tar.gz (format 1). */
  format: 'chunked' | 'archive';
  /** Files in it; known for chunked snapshots. */
  files?: number;
}

/** What a restore wrote. */
export interface RestoredCounts {
  files: number;
  directories: number;
  symlinks: number;
  bytes: number;
  refusedLinks: ExtractReport['refusedLinks'];
}

export interface RestoreResult {
  receipt: Receipt;
  extracted: RestoredCounts;
  /** Bytes read from the teammate. */
  fetchedBytes: number;
}

export interface ExportRequest {
  snapshotId: string;
  teammate?: string;
  outFile: string;
  /** A path in the snapshot to export alone, with everything under it. */
  path?: string;
  overwrite: boolean;
  signal?: AbortSignal;
}

export interface RestoreRequest {
  snapshotId: string;
  /** The teammate holding it (label or peer ID); by default the one this machine's history names. */
  teammate?: string;
  targetDir: string;
  /** A path in the snapshot (as the plan names it, e.g. "project/src/app.ts") to restore alone, with everything under it. */
  path?: string;
  /** Replace files that already exist in the folder. */
  overwrite: boolean;
  /**
   * Restore even when this machine holds no record of the snapshot (it was
   * made elsewhere), trusting the teammate's copy and its current receipt.
   */
  acceptUnrecorded?: boolean;
  signal?: AbortSignal;
}

/** One snapshot, and the version of a path it holds (absent when it does not hold the path). */
export interface PathInSnapshot {
  snapshot: ListedSnapshot;
  version?: PathVersion;
}

export interface PathVersionsRequest {
  plan: string;
  /** The path as the plan stores it, e.g. "project/src/app.ts". */
  path: string;
  /** Reads only this many snapshots, the newest. */
  newest?: number;
  signal?: AbortSignal;
}

export class SnapshotService {
  constructor(private readonly app: App) {}

  /**
   * Receipts of our snapshots, oldest first: held by one teammate (label or
   * peer ID), by the destination of one plan, or by every teammate we know.
   */
  async list(filter: { teammate?: string; plan?: string; signal?: AbortSignal } = {}): Promise<ListedSnapshot[]> {
    const plan = filter.plan === undefined ? undefined : await this.app.plans.get(filter.plan);
    let peers: string[];
    if (filter.teammate !== undefined) peers = [await this.app.teammates.resolve(filter.teammate)];
    else if (plan) peers = [plan.destination ?? noDestination(plan.name)];
    else peers = await this.knownPeers();
    const listed = (await Promise.all(peers.map((peerId) => this.listHeldBy(peerId, filter.signal)))).flat();
    const shown = plan ? listed.filter((each) => each.receipt.plan === plan.name) : listed;
    const runs = (await this.app.store()).runs;
    const snapshots = await Promise.all(
      shown.map(async ({ receipt, manifest }) => ({
        ...receipt,
        localRecord: compare(receipt, await runs.snapshotRecord(receipt.snapshotId)).state,
        format: manifest ? ('chunked' as const) : ('archive' as const),
        ...(manifest ? { files: manifest.files } : {}),
      })),
    );
    return snapshots.sort((a, b) => a.storedAt - b.storedAt);
  }

  async restore(request: RestoreRequest): Promise<RestoreResult> {
    const held = await this.find(request);
    if (held.chunked) {
      const { receipt, manifest, chunks, keys } = held.chunked;
      await this.checkAgainstRecord(receipt, held.peerId, true);
      const counted = countedSource(chunks);
      const restored = await this.withTeammate(held.peerId, () =>
        restoreToFolder({ manifest, keys, source: counted.source }, request.targetDir, { overwrite: request.overwrite, only: pathBytes(request.path), signal: request.signal }),
      );
      return { receipt, extracted: restored, fetchedBytes: counted.bytes() };
    }
    if (request.path !== undefined) {
      throw new UserError(`Snapshot ${printable(request.snapshotId)} is a single archive (made by Peer Backup 0.1): it is restored whole; restore it without a path.`, { code: 'bad-input' });
    }
    const extracted = await this.restoreArchive(request, held.peerId, held.client, held.peer);
    return { ...extracted, fetchedBytes: extracted.receipt.size };
  }

  /**
   * Which version of a path each of the plan's chunked snapshots holds,
   * newest first, from their trees only (no file content is fetched): a
   * file's history without restoring it from every snapshot.
   */
  async versionsOf(request: PathVersionsRequest): Promise<PathInSnapshot[]> {
    const plan = await this.app.plans.get(request.plan);
    const peerId = plan.destination ?? noDestination(plan.name);
    const context = await this.app.runnerContext();
    const { peer } = await connectToPeer(context, peerId, { signal: request.signal });
    const chunks = new ChunkClient(context.identity, peer, stallTimeoutFromEnv());
    const held = (await chunks.listManifests(request.signal))
      .flatMap((listed) => {
        const opened = openListedManifest(listed.manifest, context.identity, peerId);
        const receipt = receiptSchema.safeParse(statementOf(listed.receipt));
        return opened.ours && receipt.success && receipt.data.plan === plan.name ? [{ receipt: receipt.data, manifest: opened.manifest }] : [];
      })
      .sort((a, b) => b.receipt.storedAt - a.receipt.storedAt)
      .slice(0, request.newest);
    const keys = await this.app.chunkKeys();
    const runs = (await this.app.store()).runs;
    const path = pathBytes(request.path) ?? Buffer.alloc(0);
    const found: PathInSnapshot[] = [];
    for (const { receipt, manifest } of held) {
      const version = await this.withTeammate(peerId, () => findPathVersion({ manifest, keys, source: chunks }, path, request.signal));
      const snapshot: ListedSnapshot = { ...receipt, localRecord: compare(receipt, await runs.snapshotRecord(receipt.snapshotId)).state, format: 'chunked', files: manifest.files };
      found.push(version ? { snapshot, version } : { snapshot });
    }
    return found;
  }

  /** Writes the snapshot (or a path in it) as a gzip'd tar that GNU tar reads: a way out of this format. */
  async export(request: ExportRequest): Promise<{ receipt: Receipt; exported: ExportReport; fetchedBytes: number }> {
    const held = await this.find(request);
    if (!held.chunked) {
      throw new UserError(
        `Snapshot ${printable(request.snapshotId)} is already a tar.gz (made by Peer Backup 0.1): restore it with "peer-backup restore ${printable(request.snapshotId)} --to DIR" and archive the folder.`,
        { code: 'bad-input' },
      );
    }
    const { receipt, manifest, chunks, keys } = held.chunked;
    await this.checkAgainstRecord(receipt, held.peerId, true);
    const counted = countedSource(chunks);
    const exported = await this.withTeammate(held.peerId, () =>
      exportArchive({ manifest, keys, source: counted.source }, request.outFile, { overwrite: request.overwrite, only: pathBytes(request.path), signal: request.signal }),
    );
    return { receipt, exported, fetchedBytes: counted.bytes() };
  }

  /** The teammate holding the snapshot, reached; the chunked snapshot's checked manifest when it is one. */
  private async find(request: { snapshotId: string; teammate?: string; signal?: AbortSignal }): Promise<HeldSnapshot> {
    const peerId = await this.holderOf(request);
    const context = await this.app.runnerContext();
    const { client, peer } = await connectToPeer(context, peerId, { signal: request.signal });
    const chunks = new ChunkClient(context.identity, peer, stallTimeoutFromEnv());
    const listed = (await chunks.listManifests(request.signal)).find((each) => statementOf(each.receipt)?.snapshotId === request.snapshotId);
    if (!listed) return { peerId, client, peer };
    const opened = openListedManifest(listed.manifest, context.identity, peerId);
    if (!opened.ours) {
      throw new UserError(`${await this.teammateName(peerId)}'s snapshot ${printable(request.snapshotId)} is not one this machine made: ${opened.reason}. Nothing was restored.`, { code: 'tampered' });
    }
    const receipt = receiptSchema.parse(statementOf(listed.receipt));
    return { peerId, client, peer, chunked: { receipt, manifest: opened.manifest, chunks, keys: await this.app.chunkKeys() } };
  }

  /** Runs a restore step; its errors name the teammate. */
  private async withTeammate<T>(peerId: string, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      if (err instanceof UserError && (err.code === 'tampered' || err.code === 'damaged')) {
        throw new UserError(`${await this.teammateName(peerId)}'s copy: ${err.message}`, { code: err.code, cause: err });
      }
      throw err;
    }
  }

  private async restoreArchive(request: RestoreRequest, peerId: string, client: PeerClient, peer: VerifiedPeer): Promise<{ receipt: Receipt; extracted: ExtractReport }> {
    const context = await this.app.runnerContext();
    const receipt = (await client.listSnapshots(peer, request.signal)).find((each) => each.snapshotId === request.snapshotId);
    if (!receipt) throw new UserError(`${peerId} holds no snapshot "${request.snapshotId}" of ours; "peer-backup snapshots" lists what it holds.`, { code: 'not-found' });
    const contentBytes = await this.checkAgainstRecord(receipt, peerId, request.acceptUnrecorded === true);

    await mkdir(context.spoolDir, { recursive: true, mode: 0o700 });
    // The pid lets the spool clean-up tell a download whose process died from one still going.
    const spoolFile = join(context.spoolDir, `restore-${process.pid}-${randomBytes(6).toString('hex')}.tar.gz`);
    try {
      const meter = hashingMeter();
      await pipeline(await client.download(peer, receipt, request.signal), meter.stream, createWriteStream(spoolFile, { mode: 0o600 }));
      const sha256 = meter.sha256();
      if (meter.bytes() !== receipt.size || sha256 !== receipt.sha256) {
        throw new UserError(
          `snapshot ${request.snapshotId} arrived damaged (${meter.bytes()} bytes, SHA-256 ${sha256}; the receipt says ${receipt.size} bytes, ${receipt.sha256}); nothing was restored`,
          { code: 'damaged' },
        );
      }
      const extracted = await extractArchive(createReadStream(spoolFile), request.targetDir, { overwrite: request.overwrite, expectedContentBytes: contentBytes, signal: request.signal });
      return { receipt, extracted };
    } finally {
      await rm(spoolFile, { force: true });
    }
  }

  /**
   * Refuses a teammate's receipt that differs from the one recorded at backup
   * time, and a snapshot with no record unless the user accepted that.
   * Returns the content bytes recorded, when known: extraction's bound.
   */
  private async checkAgainstRecord(listed: Receipt, peerId: string, acceptUnrecorded: boolean): Promise<number | undefined> {
    const record = await (await this.app.store()).runs.snapshotRecord(listed.snapshotId);
    const { state, recorded } = compare(listed, record);
    const id = printable(listed.snapshotId);
    const teammate = await this.teammateName(peerId);
    if (state === 'differs') {
      const then = recorded ? `${recorded.size} bytes, SHA-256 ${recorded.sha256}, stored ${formatTime(recorded.storedAt)} on ${recorded.receiver}` : 'a receipt this machine can no longer read';
      throw new UserError(
        `${teammate}'s copy of snapshot ${id} differs from what was stored at backup time: this machine recorded ${then}; the teammate now lists ${listed.size} bytes, SHA-256 ${listed.sha256}, stored ${formatTime(listed.storedAt)}. ` +
          'Nothing was restored. The copy was changed after the backup: do not trust it; restore another snapshot, and ask your teammate to check their machine.',
        { code: 'tampered' },
      );
    }
    if (state === 'none') {
      if (!acceptUnrecorded) {
        throw new UserError(
          `This machine has no record of snapshot ${id} (it was made on another machine, or this home's history is gone), so ${teammate}'s copy cannot be checked against what was stored at backup time, only against the receipt ${teammate} lists now. ` +
            `Nothing was restored. If you trust ${teammate}'s copy, restore it with ${trustTeammateCopyFlag}.`,
          { code: 'unrecorded' },
        );
      }
      return undefined;
    }
    return record?.contentBytes ?? undefined;
  }

  private async teammateName(peerId: string): Promise<string> {
    const label = await this.app.teammates.labelOf(peerId);
    return label === undefined ? peerId : `${printable(label)} (${peerId})`;
  }

  /** Both formats a teammate holds for us; chunked snapshots only when this machine signed their manifest. */
  private async listHeldBy(peerId: string, signal?: AbortSignal): Promise<{ receipt: Receipt; manifest?: Manifest }[]> {
    const context = await this.app.runnerContext();
    const { client, peer } = await connectToPeer(context, peerId, { signal });
    const archives = (await client.listSnapshots(peer, signal)).map((receipt) => ({ receipt }));
    const chunked = (await new ChunkClient(context.identity, peer, stallTimeoutFromEnv()).listManifests(signal)).flatMap((listed) => {
      const opened = openListedManifest(listed.manifest, context.identity, peerId);
      const receipt = receiptSchema.safeParse(statementOf(listed.receipt));
      return opened.ours && receipt.success ? [{ receipt: receipt.data, manifest: opened.manifest }] : [];
    });
    return [...archives, ...chunked];
  }

  /** The peers this machine backs up to: teammates and every plan's destination. */
  private async knownPeers(): Promise<string[]> {
    const peers = new Set((await this.app.teammates.list()).map((teammate) => teammate.peerId));
    for (const plan of await this.app.plans.list()) if (plan.destination) peers.add(plan.destination);
    return [...peers];
  }

  private async holderOf(request: { snapshotId: string; teammate?: string; signal?: AbortSignal }): Promise<string> {
    if (request.teammate !== undefined) return this.app.teammates.resolve(request.teammate);
    const recorded = await (await this.app.store()).runs.destinationOfSnapshot(request.snapshotId);
    if (recorded) return recorded;
    // A run cut off after the teammate committed leaves no record here; the teammates' listings still say who holds it.
    const holders: string[] = [];
    for (const peerId of await this.knownPeers()) {
      const held = await this.listHeldBy(peerId, request.signal).catch(() => []);
      if (held.some((each) => each.receipt.snapshotId === request.snapshotId)) holders.push(peerId);
    }
    if (holders.length === 1) return holders[0]!;
    const found = holders.length > 1 ? ` Several teammates hold it: ${holders.join(', ')}.` : '';
    throw new UserError(`This machine's history does not say who holds snapshot ${printable(request.snapshotId)}, and no teammate reachable now lists it as the only holder.${found} Name the teammate (--dest PEER_ID in the CLI).`, {
      code: 'not-found',
    });
  }
}

interface HeldSnapshot {
  peerId: string;
  client: PeerClient;
  peer: VerifiedPeer;
  chunked?: { receipt: Receipt; manifest: Manifest; chunks: ChunkClient; keys: ChunkKeys };
}

/** The statement inside a signed listing entry the chunk client already checked. */
function statementOf(signed: ListedManifest['receipt']): { snapshotId?: unknown } | undefined {
  try {
    return JSON.parse(Buffer.from(signed.statement, 'base64').toString('utf8')) as { snapshotId?: unknown };
  } catch {
    return undefined;
  }
}

/** A path in the snapshot as the plan names it, '/'-separated. */
function pathBytes(path: string | undefined): Buffer | undefined {
  return path === undefined ? undefined : Buffer.from(path.replace(/^\/+|\/+$/g, ''), 'utf8');
}

/** The teammate's receipt against this machine's record; `recorded` is the record's receipt when it could be read. */
function compare(listed: Receipt, record: SnapshotRecord | undefined): { state: LocalRecord; recorded?: Receipt } {
  if (record === undefined) return { state: 'none' };
  const recorded = recordedReceipt(record.receipt);
  if (recorded === undefined) return { state: 'differs' };
  const keys = Object.keys(receiptSchema.shape) as (keyof Receipt)[];
  return { state: keys.every((key) => recorded[key] === listed[key]) ? 'matches' : 'differs', recorded };
}

/** The receipt in a signed statement this machine stored; its signature was checked before it was stored. */
function recordedReceipt(stored: unknown): Receipt | undefined {
  const statement = (stored as SignedStatement | null)?.statement;
  if (typeof statement !== 'string') return undefined;
  try {
    const parsed = receiptSchema.safeParse(JSON.parse(Buffer.from(statement, 'base64').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function noDestination(plan: string): never {
  throw new UserError(`Plan "${plan}" has no destination, so no teammate holds its snapshots.`, { code: 'no-destination' });
}
