/**
 * The quick picks and input boxes several commands share: choose a plan, a
 * teammate or folders, type a peer ID, a plan name, a quota. Steps of a
 * flow stay open when the focus leaves them: the user may be off copying a
 * peer ID from a chat.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as vscode from 'vscode';
import {
  checkNewTeammateLabel,
  checkNewTeammatePeerId,
  checkPlanName,
  parsePeerId,
  parseQuota,
  previewSchedule,
  UserError,
  type App,
  type Destination,
  type Plan,
} from '../core/app';
import { schedulePresets } from './schedule-presets';
import type { Vscode } from './vscode-api';
import { countOf } from './wording';

type Item<T> = vscode.QuickPickItem & { value: T };

/** The message of the UserError `check` throws for `text`, or undefined when it passes: an input box's validateInput. */
export function problemWith(check: (text: string) => unknown, text: string): string | undefined {
  try {
    check(text);
    return undefined;
  } catch (err) {
    if (err instanceof UserError) return err.message;
    throw err;
  }
}

export async function pickPlan(vsc: Vscode, app: App, placeHolder: string, options: { withDestination?: boolean } = {}): Promise<Plan | undefined> {
  const plans = (await app.plans.list()).filter((plan) => !options.withDestination || plan.destination);
  if (plans.length === 0) {
    throw new UserError(
      options.withDestination
        ? 'No plan has a teammate to restore from yet: set a destination in "Peer Backup: Open Settings".'
        : 'There are no backup plans yet: run "Peer Backup: Create Backup Plan", or right-click files in the Explorer and choose "Add to Backup Plan...".',
    );
  }
  const labels = await destinationLabels(app);
  const picked = await vsc.window.showQuickPick<Item<Plan>>(
    plans.map((plan) => ({
      label: plan.name,
      description: `${countOf(plan.items.length, 'path')} to ${plan.destination ? (labels.get(plan.destination) ?? plan.destination) : 'no teammate yet'}`,
      detail: `Schedule: ${plan.schedule}${plan.enabled ? '' : ' (disabled)'}`,
      value: plan,
    })),
    { placeHolder, matchOnDescription: true, ignoreFocusOut: true },
  );
  return picked?.value;
}

/** A teammate to back up to; offers to add one, which is the only choice when there are none yet. */
export async function pickTeammate(vsc: Vscode, app: App, placeHolder: string): Promise<Destination | undefined> {
  const teammates = await app.teammates.list();
  const add: Item<undefined> = { label: '$(add) Add Teammate...', description: 'by their peer ID', value: undefined };
  const picked = await vsc.window.showQuickPick<Item<Destination | undefined>>(
    [...teammates.map((teammate) => ({ label: teammate.label, description: teammate.peerId, value: teammate })), add],
    { placeHolder, ignoreFocusOut: true },
  );
  if (!picked) return undefined;
  return picked.value ?? askNewTeammate(vsc, app);
}

/** Asks for a label and a peer ID, checked as typed, and adds the teammate. */
export async function askNewTeammate(vsc: Vscode, app: App): Promise<Destination | undefined> {
  const teammates = await app.teammates.list();
  const label = await vsc.window.showInputBox({
    title: 'Add Teammate (1/2)',
    prompt: 'A name to recognise your teammate by',
    ignoreFocusOut: true,
    placeHolder: 'e.g. alice',
    validateInput: (text) => problemWith((typed) => checkNewTeammateLabel(typed, teammates), text),
  });
  if (label === undefined) return undefined;
  const peerId = await askPeerId(vsc, 'Add Teammate (2/2)', `${label.trim()}'s peer ID (they get it with "Peer Backup: Copy My Peer ID")`, (typed) =>
    checkNewTeammatePeerId(typed, teammates),
  );
  if (peerId === undefined) return undefined;
  return app.teammates.add(label, peerId);
}

/** A peer ID, checked as typed by `check` (by default: is it a peer ID at all). */
export async function askPeerId(vsc: Vscode, title: string, prompt: string, check: (text: string) => string = parsePeerId): Promise<string | undefined> {
  const typed = await vsc.window.showInputBox({
    title,
    prompt,
    placeHolder: 'ABCDEF-GHIJKL-MNOPQR-STUVWX-YZ2345-67ABCD',
    ignoreFocusOut: true,
    validateInput: (text) => problemWith(check, text),
  });
  return typed === undefined ? undefined : check(typed);
}

export async function askQuota(vsc: Vscode, title: string, prompt: string): Promise<number | undefined> {
  const typed = await vsc.window.showInputBox({ title, prompt, value: '10GB', ignoreFocusOut: true, validateInput: (text) => problemWith(parseQuota, text) });
  return typed === undefined ? undefined : parseQuota(typed);
}

/** A name no plan uses yet. */
export async function askPlanName(vsc: Vscode, app: App, title: string): Promise<string | undefined> {
  const taken = new Set((await app.plans.list()).map((plan) => plan.name));
  const typed = await vsc.window.showInputBox({
    title,
    prompt: 'A name for the plan',
    ignoreFocusOut: true,
    placeHolder: 'e.g. nightly',
    validateInput: (text) => problemWith(checkPlanName, text) ?? (taken.has(text.trim()) ? `A plan named "${text.trim()}" already exists: choose another name.` : undefined),
  });
  return typed?.trim();
}

/** A preset, or a spec typed in and checked as typed. */
export async function pickSchedule(vsc: Vscode, title: string): Promise<string | undefined> {
  const custom: Item<undefined> = { label: 'Custom...', description: 'a cron expression or "every N minutes"', value: undefined };
  const picked = await vsc.window.showQuickPick<Item<string | undefined>>(
    [...schedulePresets.map((spec) => ({ label: spec, description: previewSchedule(spec, new Date(), 0).summary, value: spec })), custom],
    { title, placeHolder: 'When should the plan run?', ignoreFocusOut: true },
  );
  if (!picked) return undefined;
  if (picked.value !== undefined) return picked.value;
  const typed = await vsc.window.showInputBox({ title, prompt: 'A schedule, e.g. "30 2 * * 1-5" or "every 30 minutes"', validateInput: (text) => problemWith((spec) => previewSchedule(spec, new Date(), 0), text) });
  return typed === undefined ? undefined : previewSchedule(typed, new Date(), 0).spec;
}

/** Folders the workspace's root folders hold directly are worth offering; these never are. */
const unofferedFolders = new Set(['node_modules']);

/**
 * Folders to back up: the workspace's folders and the folders right inside
 * them, several at once, or any others through "Browse...". The base is the
 * workspace folder of the first, so archive paths read as they do there.
 */
export async function pickFolders(vsc: Vscode, title: string): Promise<{ paths: string[]; base: string } | undefined> {
  const browse: Item<undefined> = { label: '$(folder-opened) Browse...', description: 'any folder on this machine', value: undefined };
  const offered: Item<string | undefined>[] = (vsc.workspace.workspaceFolders ?? []).flatMap((folder) => [
    { label: `$(root-folder) ${folder.name}`, description: 'the whole workspace folder', value: folder.uri.fsPath },
    ...subfolders(folder.uri.fsPath).map((name) => ({ label: `$(folder) ${name}`, description: folder.name, value: join(folder.uri.fsPath, name) })),
  ]);
  const picked = await vsc.window.showQuickPick<Item<string | undefined>>([...offered, browse], { title, placeHolder: 'Which folders should the plan back up?', canPickMany: true, ignoreFocusOut: true });
  if (!picked?.length) return undefined;
  const paths = picked.flatMap((item) => (item.value === undefined ? [] : [item.value]));
  if (picked.some((item) => item.value === undefined)) {
    const chosen = await vsc.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: true, openLabel: 'Back Up These', title });
    paths.push(...(chosen ?? []).map((uri) => uri.fsPath));
  }
  if (paths.length === 0) return undefined;
  const folder = vsc.workspace.getWorkspaceFolder(vsc.Uri.file(paths[0]));
  return { paths, base: folder ? folder.uri.fsPath : dirname(paths[0]) };
}

function subfolders(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && !unofferedFolders.has(entry.name))
      .map((entry) => entry.name)
      .sort();
  } catch {
    return []; // an unreadable folder is still offered whole
  }
}

async function destinationLabels(app: App): Promise<Map<string, string>> {
  return new Map((await app.teammates.list()).map((teammate) => [teammate.peerId, teammate.label]));
}
