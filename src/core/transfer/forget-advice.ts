/**
 * The sender's words for a receiver's quota refusal that says which of our
 * snapshots to forget (wire/quota-refusal.ts): the snapshots, the bytes that
 * frees, and the `forget` command per plan that would remove exactly them.
 * Only snapshots whose manifest this machine signed are proposed; when the
 * receiver names any other, the user is told to ask for a larger quota.
 */
import { UserError } from '../errors';
import { formatBytes } from '../human-format';
import type { Identity } from '../identity/keys';
import { printable } from '../printable';
import { openListedManifest } from '../restore/listed-manifest';
import { quotaRefusalSchema } from '../wire/quota-refusal';
import type { SignedStatement } from '../wire/signing';

/** The teammate's listing of our snapshots, oldest first. */
export type ListManifests = () => Promise<{ manifest: SignedStatement }[]>;

/**
 * The refusal as a UserError 'quota-exceeded' with advice; undefined when the body is not a quota refusal with its figures.
 * `refused` names what did not fit ("Pack <id> of this backup").
 */
export async function quotaAdvice(data: unknown, refused: string, peerId: string, identity: Identity, list: ListManifests): Promise<UserError | undefined> {
  const parsed = quotaRefusalSchema.safeParse(data);
  if (!parsed.success) return undefined;
  const { quota, forget } = parsed.data;
  const fits = `${refused} does not fit the ${formatBytes(quota.quotaBytes)} ${peerId} grants you: ${formatBytes(quota.usedBytes)} used, ${formatBytes(quota.neededBytes)} more needed.`;
  const larger = (why: string) => new UserError(`${fits} ${why}: ask ${peerId} for a larger quota ("peer-backup allow <your peer ID> --quota SIZE" on their machine).`, { code: 'quota-exceeded' });
  if (!forget) return larger('Forgetting all your snapshots there would not make room');
  const planOf = new Map<string, string>();
  for (const listed of await list()) {
    const opened = openListedManifest(listed.manifest, identity, peerId);
    if (opened.ours) planOf.set(opened.manifest.snapshotId, opened.manifest.plan);
  }
  if (forget.snapshotIds.some((id) => !planOf.has(id))) return larger(`The snapshots ${peerId} would have you forget include some this machine did not make`);
  const commands = [...new Set(forget.snapshotIds.map((id) => planOf.get(id)!))].map((plan) => {
    const named = forget.snapshotIds.filter((id) => planOf.get(id) === plan).map((id) => `--snapshot ${id}`);
    return `peer-backup forget --plan "${printable(plan)}" ${named.join(' ')}`;
  });
  const count = forget.snapshotIds.length;
  return new UserError(
    `${fits} Forgetting your ${count === 1 ? 'oldest snapshot' : `${count} oldest snapshots`} (${forget.snapshotIds.map(printable).join(', ')}) would free ${formatBytes(forget.freesBytes)}: run ${commands.map((command) => `\`${command}\``).join(' and ')} (or ask ${peerId} for a larger quota).`,
    { code: 'quota-exceeded' },
  );
}
