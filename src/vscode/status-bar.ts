/**
 * The status bar item: the last result and the next scheduled run
 * ("Backed up 12 min ago - next 18:00"), a warning colour when a plan's latest
 * run failed; a click opens the settings panel. It refreshes when this window
 * changes something and every minute (for "12 min ago", and for runs made by
 * other windows or the CLI).
 */
import type * as vscode from 'vscode';
import type { SummaryState } from '../core/app';
import type { ReceiverSwitch } from './receiver-switch';
import type { Services } from './services';

const icons: Record<SummaryState, string> = {
  idle: '$(cloud-upload)',
  running: '$(sync~spin)',
  succeeded: '$(pass)',
  cancelled: '$(circle-slash)',
  failed: '$(warning)',
};

const refreshEveryMs = 60_000;

export class BackupStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private timer: NodeJS.Timeout | undefined;
  /** Refreshes may finish out of order; only the latest one's result is shown. */
  private generation = 0;

  constructor(
    private readonly services: Services,
    private readonly receiver: ReceiverSwitch,
  ) {
    const { vsc } = services;
    this.item = vsc.window.createStatusBarItem('peerBackup.status', vsc.StatusBarAlignment.Left, 50);
    this.item.name = 'Peer Backup';
    this.item.command = 'peerBackup.openSettings';
    this.item.text = '$(cloud-upload) Peer Backup';
    this.item.tooltip = 'Peer Backup: open the settings';
    this.item.show();
  }

  /** Starts the minute timer; the first refresh happens now. */
  start(): void {
    this.timer = setInterval(() => void this.refresh(), refreshEveryMs);
    void this.refresh();
  }

  async refresh(): Promise<void> {
    const generation = ++this.generation;
    const { vsc, log } = this.services;
    try {
      const summary = await this.services.app().runs.summary(new Date());
      if (generation !== this.generation) return;
      const receiving = this.receiver.status;
      this.item.text = `${icons[summary.state]} ${summary.text}`;
      this.item.tooltip = [
        ...summary.details,
        ...(receiving.state === 'on' ? [`Receiving teammates' backups on port ${receiving.port}`] : []),
        'Click to open the Peer Backup settings',
      ].join('\n');
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
