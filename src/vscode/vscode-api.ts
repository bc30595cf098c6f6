/**
 * The editor's API as a value handed to each piece of glue, instead of a
 * module each file imports: extension.ts passes the real `vscode` module,
 * and unit tests pass a fake of the few calls they exercise (the real
 * module exists only inside the editor).
 */
import type * as vscode from 'vscode';

export type Vscode = typeof vscode;
