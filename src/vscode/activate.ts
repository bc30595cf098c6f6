/**
 * The extension proper, with the editor API passed in (see vscode-api.ts).
 * extension.ts loads it after activation has returned and forwards the
 * commands and the panel serializer to it; here the services, status bar,
 * scheduler and receiver are set up, and the database is opened on first use.
 */
import type * as vscode from 'vscode';
import { guardedCommands, type CommandHandler } from './commands/command-context';
import { fileHistoryCommands } from './commands/file-history';
import { historyCommands } from './commands/history';
import { planCommands } from './commands/plans';
import { receivingCommands } from './commands/receiving';
import { recoveryCommands } from './commands/recovery';
import { registryCommands } from './commands/registry';
import { restoreCommands } from './commands/restore';
import { teammateCommands } from './commands/teammates';
import { verifyCommands } from './commands/verify';
import { walkthroughCommands, openWalkthroughOnFirstRun } from './commands/walkthrough';
import { ContextKeys } from './context-keys';
import { SettingsPanel } from './panel/settings-panel';
import { revealTargetOf } from './panel/reveal-target';
import { ReceiverSwitch } from './receiver-switch';
import { RegistryWatch } from './registry-health';
import { RegistryHost } from './registry-host';
import { showError } from './report-errors';
import { BackupRunner } from './run-with-progress';
import { startScheduling } from './scheduling';
import { Services } from './services';
import { settingsSection } from './settings';
import { BackupStatusBar } from './status-bar';
import { BackupTimeline, registerBackupTimeline } from './timeline';
import { createViews } from './views/views';
import type { Vscode } from './vscode-api';

/** globalState is optional: only the first-run walkthrough needs it, and a window without it simply does not open that. */
export type ExtensionContext = Pick<vscode.ExtensionContext, 'subscriptions' | 'globalStorageUri' | 'secrets' | 'extensionUri' | 'extension'> &
  Partial<Pick<vscode.ExtensionContext, 'globalState'>>;

export interface ActiveExtension {
  /** Every contributed command's handler, by command id. */
  commands: Map<string, CommandHandler>;
  serializer: vscode.WebviewPanelSerializer;
  /** Stops the scheduler (freeing its lease for other windows) and the receiver (freeing its port), and closes the database. */
  deactivate(): Promise<void>;
}

export function activateWith(vscode: Vscode, context: ExtensionContext, log: vscode.LogOutputChannel): ActiveExtension {
  const services = new Services(vscode, context, log);
  const runner = new BackupRunner(services);
  const receiver = new ReceiverSwitch(services);
  const registryHost = new RegistryHost(services);
  const registryWatch = new RegistryWatch(services);
  const panel = new SettingsPanel({ services, runner, receiver, registryHost, registryWatch }, context.extensionUri);
  const statusBar = new BackupStatusBar(services, receiver, registryWatch);
  const contextKeys = new ContextKeys(services, receiver, registryHost, registryWatch);
  const commandContext = { vsc: vscode, services, runner, receiver, registryHost, registryWatch, openSettings: (planName?: string) => panel.show(planName === undefined ? undefined : { plan: planName }) };
  const commands = new Map([
    ...guardedCommands(commandContext, {
      'peerBackup.showLog': ['Show Log', async () => log.show()],
      'peerBackup.openSettings': ['Open Settings', async (target?: unknown) => panel.show(revealTargetOf(target))],
    }),
    ...planCommands(commandContext),
    ...restoreCommands(commandContext),
    ...teammateCommands(commandContext),
    ...receivingCommands(commandContext),
    ...historyCommands(commandContext),
    ...fileHistoryCommands(commandContext, context.globalStorageUri.fsPath),
    ...recoveryCommands(commandContext),
    ...verifyCommands(commandContext),
    ...registryCommands(commandContext),
    ...walkthroughCommands(commandContext),
  ]);

  context.subscriptions.push(
    panel,
    statusBar,
    ...createViews(services, receiver),
    services.onChanged(() => void statusBar.refresh()),
    services.onChanged(() => void contextKeys.refresh()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration(settingsSection)) return;
      void receiver.sync();
      void registryWatch.check();
      services.changed();
    }),
  );

  const timeline = new BackupTimeline(vscode, services);
  const timelineRegistration = registerBackupTimeline(vscode, timeline, log);
  if (timelineRegistration) context.subscriptions.push(timelineRegistration, services.onChanged(() => timeline.refresh()));

  startScheduling(services, runner).then(
    () => context.subscriptions.push(services.onChanged(() => services.app().runs.replan().catch((err: unknown) => log.warn(`Re-planning the schedule: ${(err as Error).message}`)))),
    (err: unknown) => showError(vscode, log, 'Starting the backup schedule', err),
  );
  statusBar.start();
  void receiver.sync();
  void registryWatch.check();
  void contextKeys.refresh();
  openWalkthroughOnFirstRun(vscode, context, log);
  return {
    commands,
    serializer: panel.serializer(),
    deactivate: async () => {
      await receiver.stop();
      await registryHost.stop();
      await services.close();
    },
  };
}
