/** Gathers what the settings panel shows, formatted for display, so the webview only lays it out. */
import { formatBytes, formatDuration, formatTime, previewSchedule, timeAgo, type AllowedSenderUsage, type App, type Plan, type Run } from '../../core/app';
import type { ReceiverStatus } from '../receiver-switch';
import { schedulePresets } from '../schedule-presets';
import type { Services } from '../services';
import { checkRegistryUrlSetting, receiverPlace } from '../settings';
import type { PanelContext } from './panel-requests';
import type { PanelState, PlanView, ReceivingView, RunView } from './protocol';

const historyLength = 50;
const nextRunsShown = 3;

export async function gatherPanelState({ services, receiver, registryHost, registryWatch }: PanelContext): Promise<PanelState> {
  const receiverStatus = receiver.status;
  const registry = registryWatch.health;
  const app = services.app();
  const settings = services.settings();
  const now = new Date();
  const [identity, plans, runs, teammates, receiving] = await Promise.all([
    app.identity().then(
      (loaded) => ({ peerId: loaded.peerId, problem: undefined }),
      (err: Error) => ({ peerId: undefined, problem: err.message }),
    ),
    app.plans.list(),
    app.runs.history({ limit: historyLength }),
    app.teammates.statuses(),
    receivingView(services, app, receiverStatus),
  ]);
  return {
    peerId: identity.peerId,
    identityProblem: identity.problem,
    registryUrl: settings.registryUrl,
    registryProblem: registryUrlProblem(settings.registryUrl) ?? (registry.state === 'failing' && registry.url === settings.registryUrl ? registry.message : undefined),
    hostedRegistryUrl: registryHost.hosted?.shareUrl,
    plans: await Promise.all(plans.map((plan) => planView(app, plan, runs, now))),
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

async function planView(app: App, plan: Plan, runs: Run[], now: Date): Promise<PlanView> {
  let scheduleSummary: string;
  let upcoming: string[] = [];
  try {
    const preview = previewSchedule(plan.schedule, now, nextRunsShown);
    scheduleSummary = preview.summary;
    upcoming = preview.nextRuns.map(formatTime);
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
    running: await app.runs.isRunning(plan),
    lastRun: last && `${last.status} ${timeAgo(last.endedAt ?? last.startedAt, now)}${last.error ? `: ${last.error}` : ''}`,
  };
}

async function receivingView(services: Services, app: App, status: ReceiverStatus): Promise<ReceivingView> {
  const settings = services.settings();
  let storageDir = '';
  let problem: string | undefined;
  try {
    storageDir = receiverPlace(settings, services.home).storageDir;
  } catch (err) {
    problem = (err as Error).message;
  }
  // An unusable storage folder has no usage to show; the detail line says what is wrong.
  const allowed: AllowedSenderUsage[] = (await app.receiving.allowed(storageDir || undefined)).map((sender) => (storageDir ? sender : { ...sender, usedBytes: 0 }));
  return {
    enabled: settings.receiverEnabled,
    state: status.state,
    detail: settings.receiverEnabled && problem ? problem : describeReceiver(status),
    port: settings.receiverPort,
    storageFolder: settings.storageFolder,
    storageDir,
    ...reachOf(status),
    allowed: allowed.map((sender) => ({
      peerId: sender.peerId,
      label: sender.label,
      quota: formatBytes(sender.quotaBytes),
      used: formatBytes(sender.usedBytes),
      usedPercent: Math.min(100, Math.round((sender.usedBytes / sender.quotaBytes) * 100)),
    })),
  };
}

/** What is wrong with the registry setting as written (an entry that is not a URL), before anyone asks the registry. */
function registryUrlProblem(setting: string): string | undefined {
  try {
    checkRegistryUrlSetting(setting);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function reachOf(status: ReceiverStatus): Pick<ReceivingView, 'reach' | 'reachable' | 'portMapping'> {
  if (status.state !== 'on') return { reach: undefined, reachable: undefined, portMapping: undefined };
  return { reach: status.reach?.line, reachable: status.reach?.reachable, portMapping: status.portMapping };
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
