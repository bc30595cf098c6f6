/** What command handlers are given: the editor API, the shared services, and the surfaces they may drive. */
import { guarded } from '../report-errors';
import type { RegistryWatch } from '../registry-health';
import type { RegistryHost } from '../registry-host';
import type { BackupRunner } from '../run-with-progress';
import type { ReceiverSwitch } from '../receiver-switch';
import type { Services } from '../services';
import type { Vscode } from '../vscode-api';

export interface CommandContext {
  vsc: Vscode;
  services: Services;
  runner: BackupRunner;
  receiver: ReceiverSwitch;
  registryHost: RegistryHost;
  registryWatch: RegistryWatch;
  /** Opens the settings panel; with a plan's name, scrolled to that plan. */
  openSettings(planName?: string): void;
}

export type CommandHandler = (...args: never[]) => Promise<unknown>;

/** `handlers` (command id -> [title for error messages, handler]) as [id, handler] pairs whose errors are shown to the user. */
export function guardedCommands(context: CommandContext, handlers: Record<string, [string, CommandHandler]>): [string, CommandHandler][] {
  return Object.entries(handlers).map(([id, [title, handler]]) => [id, guarded(context.vsc, context.services.log, title, handler)]);
}
