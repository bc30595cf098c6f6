/** The extension's entry point: a thin front end over src/core. */
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Peer Backup', { log: true });
  context.subscriptions.push(log, vscode.commands.registerCommand('peerBackup.showLog', () => log.show()));
  log.info(`Peer Backup ${context.extension.packageJSON.version} activated`);
}

export function deactivate(): void {}
