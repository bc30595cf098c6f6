/**
 * How errors reach the user: a UserError's message is shown as it is (it
 * already says what to do); anything else is a bug, logged with its stack
 * and shown with a way to the log. Messages may quote a teammate or a
 * registry, so they are shown printable.
 */
import type * as vscode from 'vscode';
import { printable, UserError } from '../core/app';
import type { Vscode } from './vscode-api';

export const showLogAction = 'Show Log';

/** Shows the error without waiting for the user to dismiss it. */
export function showError(vsc: Vscode, log: vscode.LogOutputChannel, what: string, err: unknown): void {
  if (err instanceof UserError) {
    log.warn(`${what}: ${printable(err.message)}`);
    void vsc.window.showErrorMessage(printable(err.message));
    return;
  }
  log.error(`${what} failed unexpectedly: ${printable(err instanceof Error ? (err.stack ?? err.message) : String(err))}`);
  offerLog(log, vsc.window.showErrorMessage(`Peer Backup: ${what} failed unexpectedly (${printable(err instanceof Error ? err.message : String(err))}).`, showLogAction));
}

/** Runs `then` if the user picks `action` on a notification, without waiting for them. */
export function whenChosen(choice: Thenable<string | undefined>, action: string, then: () => unknown): void {
  void Promise.resolve(choice).then((picked) => {
    if (picked === action) then();
  });
}

/** Opens the log if the user picks "Show Log" on a notification. */
export function offerLog(log: vscode.LogOutputChannel, choice: Thenable<string | undefined>): void {
  whenChosen(choice, showLogAction, () => log.show());
}

/** `handler`, with its errors shown by showError() instead of the editor's generic "command failed". */
export function guarded<A extends unknown[]>(vsc: Vscode, log: vscode.LogOutputChannel, title: string, handler: (...args: A) => Promise<unknown>): (...args: A) => Promise<unknown> {
  return async (...args: A) => {
    try {
      return await handler(...args);
    } catch (err) {
      showError(vsc, log, title, err);
      return undefined;
    }
  };
}
