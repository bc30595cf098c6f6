/**
 * Activation, with the editor API passed in (see vscode-api.ts). It only
 * registers commands, the status bar item and the panel serializer; the
 * database, the scheduler and the receiver start after it returns, so
 * opening the editor never waits for them.
 */
import type * as vscode from 'vscode';
import { registerAll } from './commands/command-context';
import { registerHistoryCommands } from './commands/history';
import { registerPlanCommands } from './commands/plans';
import { registerReceivingCommands } from './commands/receiving';
import { registerRestoreCommands } from './commands/restore';
import { registerTeammateCommands } from './commands/teammates';
import { SettingsPanel, settingsViewType } from './panel/settings-panel';
import { ReceiverSwitch } from './receiver-switch';
import { showError } from './report-errors';
import { BackupRunner } from './run-with-progress';
import { startScheduling } from './scheduling';
import { Services } from './services';
import { settingsSection } from './settings';
import { BackupStatusBar } from './status-bar';
import type { Vscode } from './vscode-api';

export type ExtensionContext = Pick<vscode.ExtensionContext, 'subscriptions' | 'globalStorageUri' | 'secrets' | 'extensionUri' | 'extension'>;

export interface ActiveExtension {
  /** Stops the scheduler (freeing its lease for other windows) and the receiver (freeing its port), and closes the database. */
  deactivate(): Promise<void>;
}

export function activateWith(vscode: Vscode, context: ExtensionContext): ActiveExtension {
  const log = vscode.window.createOutputChannel('Peer Backup', { log: true });
  const services = new Services(vscode, context, log);
  const runner = new BackupRunner(services);
  const receiver = new ReceiverSwitch(services);
  const panel = new SettingsPanel({ services, runner, receiver }, context.extensionUri);
  const statusBar = new BackupStatusBar(services, receiver);
  const commands = { vsc: vscode, services, runner, receiver, openSettings: () => panel.show() };

  context.subscriptions.push(
    log,
    panel,
    statusBar,
    vscode.window.registerWebviewPanelSerializer(settingsViewType, panel.serializer()),
    ...registerAll(commands, {
      'peerBackup.showLog': ['Show Log', async () => log.show()],
      'peerBackup.openSettings': ['Open Settings', async () => panel.show()],
    }),
    ...registerPlanCommands(commands),
    ...registerRestoreCommands(commands),
    ...registerTeammateCommands(commands),
    ...registerReceivingCommands(commands),
    ...registerHistoryCommands(commands),
    services.onChanged(() => void statusBar.refresh()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration(settingsSection)) return;
      void receiver.sync();
      services.changed();
    }),
  );
  log.info(`Peer Backup ${context.extension.packageJSON.version} activated`);

  const scheduler = startScheduling(services, runner).then(
    (started) => {
      context.subscriptions.push(
        services.onChanged(() => started.replan().catch((err: unknown) => log.warn(`Re-planning the schedule: ${(err as Error).message}`))),
      );
      return started;
    },
    (err: unknown) => {
      showError(vscode, log, 'Starting the backup schedule', err);
      return undefined;
    },
  );
  statusBar.start();
  void receiver.sync();
  return {
    deactivate: async () => {
      await Promise.allSettled([scheduler.then((started) => started?.stop()), receiver.stop()]);
      await services.close();
    },
  };
}
