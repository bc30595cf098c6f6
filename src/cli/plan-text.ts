/** How the plan commands show a plan. */
import { formatTime, previewSchedule, type Plan } from '../core/app';
import { table } from './format';

export function describePlan(plan: Plan): string {
  const preview = previewSchedule(plan.schedule, new Date());
  return [
    table([
      ['Plan', plan.name + (plan.enabled ? '' : ' (disabled)')],
      ['Destination', plan.destination ?? 'none yet'],
      ['Schedule', preview.summary],
      ['Next runs', plan.enabled ? preview.nextRuns.map((at) => formatTime(at)).join(', ') || 'none' : 'none (disabled)'],
      ['Excludes', plan.excludes.length ? plan.excludes.join(', ') : 'none'],
      ['.gitignore', plan.respectGitignore ? 'respected' : 'not consulted'],
      ['Updated', formatTime(plan.updatedAt)],
    ]),
    'Paths:',
    ...plan.items.map((item) => `  ${item.archivePath}  <-  ${item.sourcePath}`),
  ].join('\n');
}
