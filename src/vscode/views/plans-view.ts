/** The Plans view: each plan with its teammate, designated paths, schedule, next run and last result; Run Now and Edit inline. */
import { formatTime, previewSchedule, timeAgo, type Plan, type Run } from '../../core/app';
import type { Services } from '../services';
import { countOf, teammateName } from '../wording';
import { node, type TreeNode } from './tree';

export const plansViewId = 'peerBackup.plans';
/** The contextValue the inline actions are shown for (package.json menus view/item/context). */
export const planItemContext = 'plan';

const statusIcons: Record<Run['status'], string> = {
  succeeded: 'pass',
  failed: 'error',
  interrupted: 'warning',
  cancelled: 'circle-slash',
  running: 'sync~spin',
};

export async function gatherPlans(services: Services): Promise<TreeNode[]> {
  const app = services.app();
  const [plans, runs, teammates] = await Promise.all([app.plans.list(), app.runs.history({ limit: 200 }), app.teammates.list()]);
  const labels = new Map(teammates.map((teammate) => [teammate.peerId, teammate.label]));
  const now = new Date();
  return plans.map((plan) => planNode(services, plan, runs, plan.destination ? teammateName(labels.get(plan.destination), plan.destination) : undefined, now));
}

function planNode(services: Services, plan: Plan, runs: Run[], teammate: string | undefined, now: Date): TreeNode {
  const { ThemeIcon } = services.vsc;
  const last = runs.find((run) => run.planId === plan.id);
  const lastText = last ? `${last.status} ${timeAgo(last.endedAt ?? last.startedAt, now)}` : 'never run';
  const schedule = describeSchedule(plan, now);
  const where = `${countOf(plan.items.length, 'path')}${teammate ? ` to ${teammate}` : ', no teammate yet'}`;
  const summary = `${where}, ${schedule.summary}`;
  const children: TreeNode[] = [
    node(teammate ? `Teammate: ${teammate}` : 'Teammate: none yet', `Plan ${plan.name} backs up to ${teammate ?? 'no teammate yet'}`, { iconPath: new ThemeIcon('person') }),
    ...plan.items.map((item) =>
      node(item.archivePath, `Plan ${plan.name} backs up ${item.sourcePath}`, { description: item.sourcePath, tooltip: item.sourcePath, iconPath: new ThemeIcon('file') }),
    ),
    node(`Schedule: ${schedule.summary}`, `Plan ${plan.name} runs ${schedule.summary}`, { iconPath: new ThemeIcon('calendar') }),
    node(`Next run: ${schedule.next}`, `Plan ${plan.name}, next run: ${schedule.next}`, { iconPath: new ThemeIcon('clock') }),
    node(`Last run: ${lastText}`, `Plan ${plan.name}, last run: ${lastText}`, {
      description: last?.status === 'failed' ? (last.error ?? undefined) : undefined,
      tooltip: last?.error ?? undefined,
      iconPath: new ThemeIcon(last ? statusIcons[last.status] : 'circle-outline'),
    }),
  ];
  return {
    ...node(plan.name, `Plan ${plan.name}: ${summary}; next run ${schedule.next}; last run ${lastText}`, {
      description: where,
      tooltip: `${plan.name}: ${summary}\nNext run: ${schedule.next}\nLast run: ${lastText}`,
      contextValue: planItemContext,
      iconPath: new ThemeIcon(last ? statusIcons[last.status] : 'archive'),
    }, children),
    planName: plan.name,
  };
}

function describeSchedule(plan: Plan, now: Date): { summary: string; next: string } {
  try {
    const preview = previewSchedule(plan.schedule, now, 1);
    const next = !plan.enabled ? 'none (the plan is disabled)' : preview.nextRuns[0] ? formatTime(preview.nextRuns[0]) : 'none (run by hand)';
    return { summary: preview.summary, next };
  } catch (err) {
    return { summary: `not scheduled: ${(err as Error).message}`, next: 'none' };
  }
}
