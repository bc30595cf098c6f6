/** How the plan commands name a destination and show a plan. */
import { parsePeerId } from '../core/identity/peer-id';
import { describeSchedule, nextRuns, parseSchedule } from '../core/schedule';
import type { Plan, Store } from '../core/store';
import { formatTime, table } from './format';

/** A destination label from `dest add`, else a peer ID typed in full. */
export async function resolveDestination(store: Store, given: string): Promise<string> {
  const known = await store.destinations.find(given);
  return known ? known.peerId : parsePeerId(given);
}

export function describePlan(plan: Plan): string {
  return [
    table([
      ['Plan', plan.name + (plan.enabled ? '' : ' (disabled)')],
      ['Destination', plan.destination ?? 'none yet'],
      ['Schedule', describeSchedule(parseSchedule(plan.schedule))],
      ['Next runs', plan.enabled ? nextRuns(parseSchedule(plan.schedule), new Date(), 3).map((at) => formatTime(at.getTime())).join(', ') || 'none' : 'none (disabled)'],
      ['Excludes', plan.excludes.length ? plan.excludes.join(', ') : 'none'],
      ['.gitignore', plan.respectGitignore ? 'respected' : 'not consulted'],
      ['Updated', formatTime(plan.updatedAt)],
    ]),
    'Paths:',
    ...plan.items.map((item) => `  ${item.archivePath}  <-  ${item.sourcePath}`),
  ].join('\n');
}
