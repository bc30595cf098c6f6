/** Gathers what the settings panel shows, formatted for display, so the webview only lays it out. */
import { formatBytes, formatDuration, formatTime, timeAgo } from '../../core/human-format';
import { describeSchedule, isPlanRunning, nextRuns, parseSchedule } from '../../core/schedule';
import type { Plan, Run, Store } from '../../core/store';
import { teammateStatuses } from '../../core/teammates';
import { usageBySender } from '../../core/receive';
import type { ReceiverStatus } from '../receiver-switch';
import { schedulePresets } from '../schedule-presets';
import type { Services } from '../services';
import { receiverPlace } from '../settings';
import type { PanelState, PlanView, ReceivingView, RunView } from './protocol';

const historyLength = 50;
const nextRunsShown = 3;

export async function gatherPanelState(services: Services, receiverStatus: ReceiverStatus): Promise<PanelState> {
  const store = await services.store();
  const settings = services.settings();
  const now = new Date();
  const [identity, plans, runs, teammates, receiving] = await Promise.all([
    services.identity().then(
      (loaded) => ({ peerId: loaded.peerId, problem: undefined }),
      (err: Error) => ({ peerId: undefined, problem: err.message }),
    ),
    store.plans.list(),
    store.runs.list({ limit: historyLength }),
    teammateStatuses(store, services.registry()),
    receivingView(services, store, receiverStatus),
  ]);
  return {
    peerId: identity.peerId,
    identityProblem: identity.problem,
    registryUrl: settings.registryUrl,
    plans: await Promise.all(plans.map((plan) => planView(store, plan, runs, now))),
    teammates: teammates.map((teammate) => ({
      label: teammate.label,
      peerId: teammate.peerId,
      reachability: teammate.reachability,
      reachabilityDetail: teammate.reachabilityDetail,
      keyPinned: teammate.keyPinned,
      lastBackup: teammate.lastBackupAt === undefined ? undefined : `${formatTime(teammate.lastBackupAt)} (${timeAgo(teammate.lastBackupAt, now)})`,
    })),
    receiving,
    history: runs.map(runView),
    schedulePresets: [...schedulePresets],
    gatheredAt: formatTime(now).slice(-5),
  };
}

async function planView(store: Store, plan: Plan, runs: Run[], now: Date): Promise<PlanView> {
  let scheduleSummary: string;
  let upcoming: string[] = [];
  try {
    const schedule = parseSchedule(plan.schedule);
    scheduleSummary = describeSchedule(schedule);
    upcoming = nextRuns(schedule, now, nextRunsShown).map(formatTime);
  } catch (err) {
    scheduleSummary = `not scheduled: ${(err as Error).message}`;
  }
  const last = runs.find((run) => run.planId === plan.id && run.status !== 'running');
  return {
    id: plan.id,
    name: plan.name,
    destination: plan.destination,
    schedule: plan.schedule,
    scheduleSummary,
    nextRuns: plan.enabled ? upcoming : [],
    enabled: plan.enabled,
    excludes: plan.excludes,
    items: plan.items,
    running: await isPlanRunning(store, plan.id),
    lastRun: last && `${last.status} ${timeAgo(last.endedAt ?? last.startedAt, now)}${last.error ? `: ${last.error}` : ''}`,
  };
}

async function receivingView(services: Services, store: Store, status: ReceiverStatus): Promise<ReceivingView> {
  const settings = services.settings();
  let storageDir = '';
  let problem: string | undefined;
  try {
    storageDir = receiverPlace(settings, services.home).storageDir;
  } catch (err) {
    problem = (err as Error).message;
  }
  const used = storageDir ? await usageBySender(storageDir) : new Map<string, number>();
  const allowed = await store.allowedSenders.list();
  return {
    enabled: settings.receiverEnabled,
    state: status.state,
    detail: settings.receiverEnabled && problem ? problem : describeReceiver(status),
    port: settings.receiverPort,
    storageFolder: settings.storageFolder,
    storageDir,
    allowed: allowed.map((sender) => {
      const usedBytes = used.get(sender.peerId) ?? 0;
      return {
        peerId: sender.peerId,
        label: sender.label,
        quota: formatBytes(sender.quotaBytes),
        used: formatBytes(usedBytes),
        usedPercent: Math.min(100, Math.round((usedBytes / sender.quotaBytes) * 100)),
      };
    }),
  };
}

function describeReceiver(status: ReceiverStatus): string {
  switch (status.state) {
    case 'off':
      return 'Not receiving: teammates cannot back up to this machine.';
    case 'on':
      return `Receiving on port ${status.port}.`;
    case 'waiting':
      return `Switched on, but not receiving in this window: ${status.reason}`;
  }
}

function runView(run: Run): RunView {
  return {
    id: run.id,
    plan: run.planName,
    status: run.status,
    startedAt: formatTime(run.startedAt),
    size: run.status === 'succeeded' ? formatBytes(run.bytes) : '',
    files: run.files,
    duration: run.endedAt === null ? '' : formatDuration(run.endedAt - run.startedAt),
    error: run.error,
  };
}
