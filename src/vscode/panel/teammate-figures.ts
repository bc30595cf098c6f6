/** A teammate's figures (app.teammates.figures) as the panel's teammates table shows them. */
import { countOf, formatBytes, formatTime, printable, type TeammateFigures } from '../../core/app';
import type { TeammateFiguresView } from './protocol';

const verifyWords = { ok: 'good', damaged: 'found damage', failed: 'could not finish' } as const;

export function teammateFiguresView(figures: TeammateFigures): TeammateFiguresView {
  const lastVerify = figures.lastVerify ? `${verifyWords[figures.lastVerify.status]}, ${formatTime(figures.lastVerify.at)} (plan ${printable(figures.lastVerify.plan)})` : 'never';
  if (!figures.reachable) return { peerId: figures.peerId, reachable: false, problem: `not reachable now: ${printable(figures.problem)}`, lastVerify };
  const stored = figures.storedBytes === null ? 'stored bytes not counted' : `${formatBytes(figures.storedBytes)} stored`;
  const allowed = figures.quotaBytes === null ? '' : ` of ${formatBytes(figures.quotaBytes)} allowed`;
  const span = figures.oldestAt === undefined || figures.newestAt === undefined ? '' : `, ${formatTime(figures.oldestAt)} to ${formatTime(figures.newestAt)}`;
  return { peerId: figures.peerId, reachable: true, stored: `${stored}${allowed}`, snapshots: `${countOf(figures.snapshots, 'snapshot')}${span}`, lastVerify };
}
