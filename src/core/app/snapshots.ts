/**
 * Snapshot use cases: what teammates hold for this machine, and bringing a
 * snapshot back. A restore trusts what this machine recorded at backup time,
 * not the teammate: the receipt the teammate lists now must be the one it
 * signed then (runs.receipt), or nothing is downloaded. Then it downloads to
 * the spool while hashing, within the receipt's size and a deadline, checks
 * size and SHA-256 against the receipt, and only then extracts the archive
 * (as hostile input, no larger than the content recorded at backup time)
 * into the folder the user chose. A snapshot this machine holds no record of
 * (made on another machine) is restored only when the user says to trust
 * the teammate's copy.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../errors';
import { formatTime } from '../human-format';
import { extractArchive, type ExtractReport } from '../pack';
import { printable } from '../printable';
import type { SnapshotRecord } from '../store/runs';
import { connectToPeer } from '../transfer/connect';
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
}

export interface RestoreRequest {
  snapshotId: string;
  /** The teammate holding it (label or peer ID); by default the one this machine's history names. */
  teammate?: string;
  targetDir: string;
  /** Replace files that already exist in the folder. */
  overwrite: boolean;
  /**
   * Restore even when this machine holds no record of the snapshot (it was
   * made elsewhere), trusting the teammate's copy and its current receipt.
   */
  acceptUnrecorded?: boolean;
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
    const receipts = (await Promise.all(peers.map((peerId) => this.listHeldBy(peerId, filter.signal)))).flat();
    const shown = plan ? receipts.filter((receipt) => receipt.plan === plan.name) : receipts;
    const runs = (await this.app.store()).runs;
    return Promise.all(shown.map(async (receipt) => ({ ...receipt, localRecord: compare(receipt, await runs.snapshotRecord(receipt.snapshotId)).state })));
  }

  async restore(request: RestoreRequest): Promise<{ receipt: Receipt; extracted: ExtractReport }> {
    const peerId = await this.holderOf(request);
    const context = await this.app.runnerContext();
    const { client, peer } = await connectToPeer(context, peerId, { signal: request.signal });
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

  private async listHeldBy(peerId: string, signal?: AbortSignal): Promise<Receipt[]> {
    const { client, peer } = await connectToPeer(await this.app.runnerContext(), peerId, { signal });
    return client.listSnapshots(peer, signal);
  }

  /** The peers this machine backs up to: teammates and every plan's destination. */
  private async knownPeers(): Promise<string[]> {
    const peers = new Set((await this.app.teammates.list()).map((teammate) => teammate.peerId));
    for (const plan of await this.app.plans.list()) if (plan.destination) peers.add(plan.destination);
    return [...peers];
  }

  private async holderOf(request: RestoreRequest): Promise<string> {
    if (request.teammate !== undefined) return this.app.teammates.resolve(request.teammate);
    const recorded = await (await this.app.store()).runs.destinationOfSnapshot(request.snapshotId);
    if (!recorded) {
      throw new UserError(`This machine's history does not say who holds snapshot ${request.snapshotId}: name the teammate (--dest PEER_ID in the CLI).`, { code: 'not-found' });
    }
    return recorded;
  }
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
