/**
 * The status bar item: the plan the line is about, its last result and the
 * next scheduled run ("nightly: backed up 12 min ago - next 18:00"), a
 * warning colour when a plan's latest run failed; a click opens the settings
 * panel. When the configured registry does not answer, the item says so
 * instead, and a click offers to change it. When a plan's last verify found
 * its backups damaged or could not finish, the item warns of that and a
 * click verifies again. It refreshes when this window
 * changes something and every minute (for "12 min ago", and for runs made
 * by other windows or the CLI).
 */
import type * as vscode from 'vscode';
import { clockTime, countOf, formatTime, printable, timeAgo, type App, type BackupSummary, type Run, type SummaryState } from '../core/app';
import type { ReceiverSwitch } from './receiver-switch';
import type { RegistryWatch } from './registry-health';
import type { Services } from './services';

const icons: Record<SummaryState, string> = {
  idle: '$(cloud-upload)',
  running: '$(sync~spin)',
  succeeded: '$(pass)',
  cancelled: '$(circle-slash)',
  failed: '$(warning)',
};

const refreshEveryMs = 60_000;
/** Runs the summary looks at; the run the line is about is among them. */
const recentRuns = 50;

export class BackupStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private timer: NodeJS.Timeout | undefined;
  /** Refreshes may finish out of order; only the latest one's result is shown. */
  private generation = 0;

  constructor(
    private readonly services: Services,
    private readonly receiver: ReceiverSwitch,
    private readonly registry: RegistryWatch,
  ) {
    const { vsc } = services;
    this.item = vsc.window.createStatusBarItem('peerBackup.status', vsc.StatusBarAlignment.Left, 50);
    this.item.name = 'Peer Backup';
    this.item.command = 'peerBackup.openSettings';
    this.item.text = '$(cloud-upload) Peer Backup';
    this.item.tooltip = 'Peer Backup: open the settings';
    this.item.show();
  }

  /** Starts the minute timer (which also asks the registry again); the first refresh happens now. */
  start(): void {
    this.timer = setInterval(() => {
      void this.registry.check();
      void this.refresh();
    }, refreshEveryMs);
    void this.refresh();
  }

  async refresh(): Promise<void> {
    const generation = ++this.generation;
    const { vsc, log } = this.services;
    try {
      const app = this.services.app();
      const now = new Date();
      const [summary, runs, badVerify] = await Promise.all([app.runs.summary(now), app.runs.history({ limit: recentRuns }), failedVerification(app)]);
      if (generation !== this.generation) return;
      const receiving = this.receiver.status;
      const health = this.registry.health;
      const tooltipTail =
        receiving.state === 'on'
          ? [`Receiving teammates' backups on port ${receiving.port}`, ...(receiving.reach ? [receiving.reach.line] : []), ...(receiving.portMapping ? [receiving.portMapping] : [])]
          : [];
      if (health.state === 'failing') {
        this.item.text = '$(warning) Peer Backup: registry not answering';
        this.item.tooltip = [health.message, ...summary.details, ...tooltipTail, 'Click to change the registry URL'].join('\n');
        this.item.command = 'peerBackup.changeRegistryUrl';
        this.item.backgroundColor = new vsc.ThemeColor('statusBarItem.warningBackground');
        return;
      }
      if (badVerify && summary.state !== 'running') {
        this.item.text = `$(warning) ${badVerify.plan}: verify failed`;
        this.item.tooltip = [badVerify.detail, ...summary.details, ...tooltipTail, 'Click to verify again'].join('\n');
        this.item.command = { title: 'Verify Backups', command: 'peerBackup.verifyPlan', arguments: [badVerify.plan] };
        this.item.backgroundColor = new vsc.ThemeColor('statusBarItem.warningBackground');
        return;
      }
      this.item.text = `${icons[summary.state]} ${statusLine(summary, runs, now)}`;
      this.item.tooltip = [...summary.details, ...tooltipTail, 'Click to open the Peer Backup settings'].join('\n');
      this.item.command = 'peerBackup.openSettings';
      this.item.backgroundColor = summary.state === 'failed' ? new vsc.ThemeColor('statusBarItem.warningBackground') : undefined;
    } catch (err) {
      log.error(`Status bar: ${(err as Error).message}`);
      this.item.text = '$(error) Peer Backup';
      this.item.tooltip = (err as Error).message;
      this.item.backgroundColor = new vsc.ThemeColor('statusBarItem.errorBackground');
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    this.item.dispose();
  }
}

/**
 * The line, naming the plan it is about: the running one, else the one whose
 * latest run failed (it outweighs newer successes of other plans), else the
 * latest; the next run names its plan when that is another one.
 */
export function statusLine(summary: BackupSummary, runs: Run[], now: Date): string {
  const about = aboutRun(summary.state, runs);
  const next = summary.nextRun ? ` - next ${summary.nextRun.plan === about?.planName ? '' : `${summary.nextRun.plan} `}${clockTime(summary.nextRun.at, now)}` : '';
  if (!about) return `No backups yet${next}`;
  const ago = timeAgo(about.endedAt ?? about.startedAt, now);
  switch (summary.state) {
    case 'running':
      return `${about.planName}: backing up...${next}`;
    case 'failed':
      return `${about.planName}: backup failed ${ago}${next}`;
    case 'cancelled':
      return `${about.planName}: backup cancelled ${ago}${next}`;
    default:
      return `${about.planName}: backed up ${ago}${next}`;
  }
}

function aboutRun(state: SummaryState, runs: Run[]): Run | undefined {
  if (state === 'running') return runs.find((run) => run.status === 'running');
  const latestPerPlan = new Map<number, Run>();
  for (const run of runs) if (!latestPerPlan.has(run.planId)) latestPerPlan.set(run.planId, run);
  const latest = [...latestPerPlan.values()];
  return state === 'failed' ? latest.find((run) => run.status === 'failed' || run.status === 'interrupted') : latest[0];
}

/** The first plan whose last verify found damage or could not finish, with what it found. */
async function failedVerification(app: App): Promise<{ plan: string; detail: string } | undefined> {
  for (const plan of await app.plans.list()) {
    if (!plan.destination) continue;
    const last = await app.verification.last(plan.name);
    if (!last || last.status === 'ok') continue;
    const found = last.status === 'damaged' ? countOf(last.damaged.length, 'damaged snapshot') : `it could not finish: ${printable(last.error ?? 'no reason recorded')}`;
    return { plan: plan.name, detail: `The verify of "${plan.name}" at ${formatTime(last.endedAt)} found ${found}` };
  }
  return undefined;
}
