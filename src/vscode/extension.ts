/**
 * The extension's entry point. Loading the rest (the core with zod, axios,
 * sqlite3, ...) takes about 200 ms, so activation does not: it registers
 * stand-ins for the contributed commands and the panel serializer, returns,
 * and loads activate.ts on the next turn of the event loop. A command used
 * before that waits for the load.
 */
import * as vscode from 'vscode';
import type { ActiveExtension } from './activate';
import { settingsViewType } from './panel/view-type';

let active: Promise<ActiveExtension | undefined> | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Peer Backup', { log: true });
  context.subscriptions.push(log);
  log.info(`Peer Backup ${context.extension.packageJSON.version} activated`);

  const loading = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
    // dist/activate.js, a bundle of its own (scripts/build.mjs), so extension.js stays small.
    const { activateWith } = await import('./activate.js');
    return activateWith(vscode, context, log);
  });
  loading.catch((err: unknown) => {
    log.error(`Peer Backup could not start: ${(err as Error).stack ?? String(err)}`);
    void vscode.window.showErrorMessage(`Peer Backup could not start: ${(err as Error).message}`);
  });
  active = loading.catch(() => undefined);

  const contributed = (context.extension.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands;
  for (const { command } of contributed) {
    context.subscriptions.push(vscode.commands.registerCommand(command, async (...args: never[]) => (await loading).commands.get(command)?.(...args)));
  }
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(settingsViewType, {
      deserializeWebviewPanel: async (panel, state) => (await loading).serializer.deserializeWebviewPanel(panel, state),
    }),
  );
}

export async function deactivate(): Promise<void> {
  await (await active)?.deactivate();
  active = undefined;
}
