/**
 * Snapshot use cases: what teammates hold for this machine, and bringing a
 * snapshot back: download to the spool while hashing, check it against the
 * receipt the teammate signed, and only then extract it (as hostile input)
 * into the folder the user chose.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../errors';
import { extractArchive, type ExtractReport } from '../pack';
import { connectToPeer } from '../transfer/connect';
import type { Receipt } from '../wire/receipt';
import { hashingMeter } from '../util/hashing-meter';
import type { App } from './app';

export interface RestoreRequest {
  snapshotId: string;
  /** The teammate holding it (label or peer ID); by default the one this machine's history names. */
  teammate?: string;
  targetDir: string;
  /** Replace files that already exist in the folder. */
  overwrite: boolean;
  signal?: AbortSignal;
}

export class SnapshotService {
  constructor(private readonly app: App) {}

  /**
   * Receipts of our snapshots, oldest first: held by one teammate (label or
   * peer ID), by the destination of one plan, or by every teammate we know.
   */
  async list(filter: { teammate?: string; plan?: string; signal?: AbortSignal } = {}): Promise<Receipt[]> {
    const plan = filter.plan === undefined ? undefined : await this.app.plans.get(filter.plan);
    let peers: string[];
    if (filter.teammate !== undefined) peers = [await this.app.teammates.resolve(filter.teammate)];
    else if (plan) peers = [plan.destination ?? noDestination(plan.name)];
    else peers = await this.knownPeers();
    const receipts = (await Promise.all(peers.map((peerId) => this.listHeldBy(peerId, filter.signal)))).flat();
    return plan ? receipts.filter((receipt) => receipt.plan === plan.name) : receipts;
  }

  async restore(request: RestoreRequest): Promise<{ receipt: Receipt; extracted: ExtractReport }> {
    const peerId = await this.holderOf(request);
    const context = await this.app.runnerContext();
    const { client, peer } = await connectToPeer(context, peerId, { signal: request.signal });
    const receipt = (await client.listSnapshots(peer, request.signal)).find((each) => each.snapshotId === request.snapshotId);
    if (!receipt) throw new UserError(`${peerId} holds no snapshot "${request.snapshotId}" of ours; "peer-backup snapshots" lists what it holds.`, { code: 'not-found' });

    await mkdir(context.spoolDir, { recursive: true, mode: 0o700 });
    // The pid lets the spool clean-up tell a download whose process died from one still going.
    const spoolFile = join(context.spoolDir, `restore-${process.pid}-${randomBytes(6).toString('hex')}.tar.gz`);
    try {
      const meter = hashingMeter();
      await pipeline(await client.download(peer, request.snapshotId, request.signal), meter.stream, createWriteStream(spoolFile, { mode: 0o600 }));
      const sha256 = meter.sha256();
      if (meter.bytes() !== receipt.size || sha256 !== receipt.sha256) {
        throw new UserError(
          `snapshot ${request.snapshotId} arrived damaged (${meter.bytes()} bytes, SHA-256 ${sha256}; the receipt says ${receipt.size} bytes, ${receipt.sha256}); nothing was restored`,
          { code: 'damaged' },
        );
      }
      const extracted = await extractArchive(createReadStream(spoolFile), request.targetDir, { overwrite: request.overwrite });
      return { receipt, extracted };
    } finally {
      await rm(spoolFile, { force: true });
    }
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

function noDestination(plan: string): never {
  throw new UserError(`Plan "${plan}" has no destination, so no teammate holds its snapshots.`, { code: 'no-destination' });
}
