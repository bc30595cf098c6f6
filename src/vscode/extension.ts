/** The extension's entry point: a thin front end over src/core (activate.ts does the work). */
import * as vscode from 'vscode';
import { activateWith, type ActiveExtension } from './activate';

let active: ActiveExtension | undefined;

export function activate(context: vscode.ExtensionContext): void {
  active = activateWith(vscode, context);
}

export async function deactivate(): Promise<void> {
  await active?.deactivate();
  active = undefined;
}
