/**
 * Verify use cases: is a plan's backup still good at its teammate? The
 * teammate re-hashes the packs it keeps for us (scrub); with readData this
 * machine also reads the snapshots back, all of the data or a sample, and
 * opens every chunk (AEAD tag, keyed ID) after checking each manifest's
 * signature. Each verification is recorded; the last one per plan is what a
 * status bar shows.
 */
import { UserError } from '../errors';
import { printable } from '../printable';
import { openListedManifest } from '../restore';
import type { DamagedSnapshot, Plan, Verification } from '../store';
import { readBack } from '../verify/read-back';
import { scrubFindings } from '../verify/scrub-findings';
import type { App } from './app';

export interface VerifyRequest {
  plan: string;
  /** Read the data back and open it, not only have the teammate re-hash its packs. */
  readData?: boolean;
  /** With readData: the share of data chunks to read, from 0 (exclusive) to 100 (the default). */
  samplePercent?: number;
  signal?: AbortSignal;
}

export interface VerifyResult extends Verification {
  /** The packs the teammate found damaged, the plan's or not. */
  damagedPacks: string[];
}

export class VerifyService {
  constructor(private readonly app: App) {}

  async verify(request: VerifyRequest): Promise<VerifyResult> {
    const samplePercent = request.samplePercent ?? 100;
    if (!(samplePercent > 0 && samplePercent <= 100)) throw new UserError(`The sample must be more than 0% and at most 100%, not ${samplePercent}%.`, { code: 'bad-input' });
    const plan = await this.app.plans.get(request.plan);
    if (!plan.destination) throw new UserError(`Plan "${printable(plan.name)}" has no destination, so there is nothing to verify.`, { code: 'no-destination' });
    const store = await this.app.store();
    const startedAt = Date.now();
    const base = { planId: plan.id, destination: plan.destination, startedAt };
    try {
      const checked = await this.check(plan, plan.destination, request, samplePercent);
      return { ...(await store.verifications.record({ ...base, ...checked.verification, endedAt: Date.now(), error: null })), damagedPacks: checked.damagedPacks };
    } catch (err) {
      if (err instanceof UserError && err.code !== 'cancelled') {
        await store.verifications.record({ ...base, endedAt: Date.now(), status: 'failed', snapshots: 0, packsChecked: 0, chunksRead: 0, damaged: [], error: err.message });
      }
      throw err;
    }
  }

  /** The plan's latest verification, if it was ever verified. */
  async last(planName: string): Promise<Verification | undefined> {
    const plan = await this.app.plans.get(planName);
    return (await this.app.store()).verifications.last(plan.id);
  }

  private async check(plan: Plan, teammate: string, request: VerifyRequest, samplePercent: number) {
    const chunks = await this.app.chunkStoreOf(teammate, request.signal);
    const identity = await this.app.identity();
    const listed = await chunks.listManifests(request.signal);
    const damaged: DamagedSnapshot[] = [];
    const manifests = [];
    for (const each of listed) {
      const opened = openListedManifest(each.manifest, identity, teammate);
      if (!opened.ours) continue; // another machine's, or not signed by us: not this plan's to judge
      if (opened.manifest.plan === plan.name) manifests.push(opened.manifest);
    }
    const ids = new Set(manifests.map((manifest) => manifest.snapshotId));
    const scrub = await chunks.scrub(request.signal);
    damaged.push(...scrubFindings(scrub, ids));
    let chunksRead = 0;
    if (request.readData) {
      const read = await readBack(manifests, await this.app.chunkKeys(), chunks, samplePercent, request.signal);
      chunksRead = read.chunksRead;
      damaged.push(...read.damaged);
    }
    const verification = {
      status: damaged.length > 0 ? ('damaged' as const) : ('ok' as const),
      snapshots: manifests.length,
      packsChecked: scrub.packsChecked,
      chunksRead,
      damaged,
    };
    return { verification, damagedPacks: scrub.damagedPacks };
  }
}
