/**
 * Retention use cases: each plan's policy (restic's keep rules; the default
 * keeps the newest 10, then 24 hourly, 14 daily, 8 weekly and 12 monthly snapshots), applied
 * after every successful backup and by `forget`, which deletes at the
 * teammate the snapshots the policy no longer keeps, or exactly the
 * snapshots named, leaving the policy as it is. Only snapshots of the
 * chunked store this machine signed are ever considered. On the receiving
 * side, a ceiling on how many snapshots a sender may keep here.
 */
import { UserError } from '../errors';
import { parsePeerId } from '../identity/peer-id';
import { printable } from '../printable';
import { checkRetentionPolicy } from '../retention/check-policy';
import type { RetentionPolicy } from '../retention/policy';
import { selectSnapshots, type RetentionDecision } from '../retention/select-snapshots';
import type { ChunkClient } from '../transfer/chunk-client';
import type { App } from './app';
import type { ListedSnapshot } from './snapshots';

export interface ForgetRequest {
  plan: string;
  /** Forget exactly these of the plan's snapshots instead of applying the policy. */
  snapshotIds?: readonly string[];
  /** Say what would go, delete nothing. */
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface ForgetResult {
  plan: string;
  teammate: string;
  policy: RetentionPolicy;
  /** Newest first, with the rules that keep each. */
  keep: { snapshot: ListedSnapshot; reasons: string[] }[];
  /** Newest first: deleted, or with dryRun those that would be. */
  forget: ListedSnapshot[];
  dryRun: boolean;
  /** Bytes the teammate freed (0 for a dry run). */
  freedBytes: number;
}

export class RetentionService {
  constructor(private readonly app: App) {}

  async policy(planName: string): Promise<RetentionPolicy> {
    const plan = await this.app.plans.get(planName);
    return (await this.app.store()).retentionPolicies.get(plan.id);
  }

  async setPolicy(planName: string, change: Partial<RetentionPolicy>): Promise<RetentionPolicy> {
    const plan = await this.app.plans.get(planName);
    const store = await this.app.store();
    const policy = checkRetentionPolicy({ ...(await store.retentionPolicies.get(plan.id)), ...change });
    await store.retentionPolicies.set(plan.id, policy);
    return policy;
  }

  /** Applies the plan's policy at its teammate, or forgets the snapshots named (with dryRun, only says what would go). */
  async forget(request: ForgetRequest): Promise<ForgetResult> {
    const plan = await this.app.plans.get(request.plan);
    if (!plan.destination) throw new UserError(`Plan "${printable(plan.name)}" has no destination, so no teammate holds snapshots to forget.`, { code: 'no-destination' });
    const chunks = request.dryRun ? undefined : await this.app.chunkStoreOf(plan.destination, request.signal);
    return this.apply(plan.name, plan.destination, chunks, request.signal, request.snapshotIds);
  }

  /** After a successful backup, on the connection it used. */
  async applyAfterBackup(planName: string, teammate: string, chunks: ChunkClient): Promise<ForgetResult> {
    return this.apply(planName, teammate, chunks);
  }

  /** Caps how many snapshots an allowed teammate may keep on this machine; null lifts the cap. */
  async limitSenderSnapshots(peer: string, maxSnapshots: number | null): Promise<void> {
    const peerId = parsePeerId(peer);
    if (maxSnapshots !== null && (!Number.isInteger(maxSnapshots) || maxSnapshots < 1)) throw new UserError(`--max-snapshots must be a whole number of at least 1, not ${maxSnapshots}.`, { code: 'bad-input' });
    if (!(await (await this.app.store()).senderSnapshotLimits.set(peerId, maxSnapshots))) {
      throw new UserError(`${peerId} is not allowed here; allow it first ("peer-backup allow ${peerId} --quota 10GB").`, { code: 'not-found' });
    }
  }

  private async apply(planName: string, teammate: string, chunks: ChunkClient | undefined, signal?: AbortSignal, named?: readonly string[]): Promise<ForgetResult> {
    const plan = await this.app.plans.get(planName);
    const policy = await (await this.app.store()).retentionPolicies.get(plan.id);
    const held = (await this.app.snapshots.list({ teammate, plan: plan.name, signal })).filter((snapshot) => snapshot.format === 'chunked');
    const decision = named === undefined ? selectSnapshots(held, policy) : selectNamed(plan.name, teammate, held, named);
    let freedBytes = 0;
    if (chunks) {
      for (const snapshot of decision.forget) freedBytes += (await chunks.deleteSnapshot(snapshot.snapshotId, signal)).freedBytes;
    }
    return { plan: plan.name, teammate, policy, keep: decision.keep, forget: decision.forget, dryRun: chunks === undefined, freedBytes };
  }
}

/** The named snapshots go, the others stay; a name the teammate does not hold for this plan is refused before anything is deleted. */
function selectNamed(planName: string, teammate: string, held: ListedSnapshot[], named: readonly string[]): RetentionDecision<ListedSnapshot> {
  const unknown = named.filter((id) => !held.some((snapshot) => snapshot.snapshotId === id));
  if (unknown.length > 0) {
    throw new UserError(
      `${teammate} holds no snapshot ${unknown.map((id) => `"${printable(id)}"`).join(', ')} of plan "${printable(planName)}"; nothing was forgotten. "peer-backup snapshots --plan ${printable(planName)}" lists those it holds.`,
      { code: 'not-found' },
    );
  }
  const newestFirst = [...held].sort((a, b) => b.storedAt - a.storedAt);
  return {
    keep: newestFirst.filter((snapshot) => !named.includes(snapshot.snapshotId)).map((snapshot) => ({ snapshot, reasons: ['not named'] })),
    forget: newestFirst.filter((snapshot) => named.includes(snapshot.snapshotId)),
  };
}
