/** What command handlers are given: the editor API, the shared services, and the surfaces they may drive. */
import type * as vscode from 'vscode';
import { registerCommand } from '../report-errors';
import type { BackupRunner } from '../run-with-progress';
import type { ReceiverSwitch } from '../receiver-switch';
import type { Services } from '../services';
import type { Vscode } from '../vscode-api';

export interface CommandContext {
  vsc: Vscode;
  services: Services;
  runner: BackupRunner;
  receiver: ReceiverSwitch;
  openSettings(): void;
}

/** Registers `handlers` (command id -> [title for error messages, handler]) with errors shown to the user. */
export function registerAll(context: CommandContext, handlers: Record<string, [string, (...args: never[]) => Promise<unknown>]>): vscode.Disposable[] {
  return Object.entries(handlers).map(([id, [title, handler]]) => registerCommand(context.vsc, context.services.log, id, title, handler));
}
