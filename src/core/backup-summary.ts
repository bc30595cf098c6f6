/**
 * One line on how backups stand, for a status bar: how long ago the last
 * backup ran and how it ended, and when the next scheduled one is due.
 * "Backed up 12 min ago - next 18:00".
 *
 * A plan whose latest run failed outweighs newer successes of other plans:
 * the line is there to catch the eye when something needs doing.
 */
import { countOf, clockTime, formatTime, timeAgo } from './human-format';
import { nextRuns, parseSchedule } from './schedule/spec';
import type { Plan, Run } from './store';

export type SummaryState = 'idle' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface BackupSummary {
  state: SummaryState;
  /** Short enough for a status bar. */
  text: string;
  /** Longer lines: which plan, when, why it failed, which plan is next. */
  details: string[];
  nextRun: { plan: string; at: Date } | undefined;
}

/** `recentRuns` newest first, as RunStore.list() returns them. */
export function summariseBackups(plans: Plan[], recentRuns: Run[], now: Date): BackupSummary {
  const nextRun = earliestNextRun(plans, now);
  const nextText = nextRun ? ` - next ${clockTime(nextRun.at, now)}` : '';
  const nextDetail = nextRun ? [`Next: "${nextRun.plan}" at ${formatTime(nextRun.at)}`] : [];

  const running = recentRuns.find((run) => run.status === 'running');
  if (running) {
    return { state: 'running', text: `Backing up ${running.planName}...${nextText}`, details: [`"${running.planName}" started at ${formatTime(new Date(running.startedAt))}`, ...nextDetail], nextRun };
  }

  const latestPerPlan = new Map<number, Run>();
  for (const run of recentRuns) if (!latestPerPlan.has(run.planId)) latestPerPlan.set(run.planId, run);
  const latest = [...latestPerPlan.values()];
  const failed = latest.find((run) => run.status === 'failed' || run.status === 'interrupted');
  const shown = failed ?? latest[0];
  if (!shown) return { state: 'idle', text: `No backups yet${nextText}`, details: nextDetail, nextRun };

  const ended = new Date(shown.endedAt ?? shown.startedAt);
  const ago = timeAgo(ended, now);
  if (failed) {
    return {
      state: 'failed',
      text: `Backup failed ${ago}${nextText}`,
      details: [`"${failed.planName}" failed at ${formatTime(ended)}: ${failed.error ?? 'no reason was recorded'}`, ...nextDetail],
      nextRun,
    };
  }
  if (shown.status === 'cancelled') {
    return { state: 'cancelled', text: `Backup cancelled ${ago}${nextText}`, details: [`"${shown.planName}" was cancelled at ${formatTime(ended)}`, ...nextDetail], nextRun };
  }
  return {
    state: 'succeeded',
    text: `Backed up ${ago}${nextText}`,
    details: [`"${shown.planName}" backed up ${countOf(shown.files, 'file')} at ${formatTime(ended)}`, ...nextDetail],
    nextRun,
  };
}

function earliestNextRun(plans: Plan[], now: Date): { plan: string; at: Date } | undefined {
  let earliest: { plan: string; at: Date } | undefined;
  for (const plan of plans) {
    if (!plan.enabled) continue;
    let at: Date | undefined;
    try {
      [at] = nextRuns(parseSchedule(plan.schedule), now, 1);
    } catch {
      continue; // a spec that no longer parses is not scheduled; the scheduler reports it
    }
    if (at && (!earliest || at < earliest.at)) earliest = { plan: plan.name, at };
  }
  return earliest;
}
