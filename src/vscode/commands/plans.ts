/**
 * Plan commands: the Explorer's "Add to Backup Plan..." and "Back Up Now to
 * Teammate..." (which receive the clicked URI and the whole selection), and
 * the palette's "Create Backup Plan" and "Run Backup Plan Now".
 */
import { dirname } from 'node:path';
import type * as vscode from 'vscode';
import { UserError } from '../../core/app';
import { askPlanName, pickFolders, pickPlan, pickSchedule, pickTeammate } from '../pickers';
import { whenChosen } from '../report-errors';
import type { TreeNode } from '../views/tree';
import type { Vscode } from '../vscode-api';
import { countOf } from '../wording';
import { guardedCommands, type CommandContext, type CommandHandler } from './command-context';

const openSettingsAction = 'Open Settings';

export function planCommands(context: CommandContext): [string, CommandHandler][] {
  const { vsc, services, runner } = context;

  const offerSettings = (choice: Thenable<string | undefined>) => whenChosen(choice, openSettingsAction, () => context.openSettings());

  return guardedCommands(context, {
    'peerBackup.addToPlan': [
      'Add to Backup Plan',
      async (clicked?: vscode.Uri, selected?: vscode.Uri[]) => {
        const { paths, base } = selection(vsc, clicked, selected);
        const app = services.app();
        const newPlan = { label: '$(add) New Backup Plan...', value: undefined };
        const plans = await app.plans.list();
        const picked = await vsc.window.showQuickPick(
          [...plans.map((plan) => ({ label: plan.name, description: `${countOf(plan.items.length, 'path')}, ${plan.schedule}`, value: plan.name })), newPlan],
          { placeHolder: `Add ${describeCount(paths)} to which backup plan?` },
        );
        if (!picked) return;
        let change;
        if (picked.value === undefined) {
          const name = await askPlanName(vsc, app, 'New Backup Plan');
          if (name === undefined) return;
          change = await app.plans.create({ name, paths, base, excludes: services.settings().defaultExcludes });
        } else {
          change = await app.plans.addPaths(picked.value, paths, base);
        }
        services.changed();
        const { plan, notes } = change;
        const next = plan.destination ? '' : ' Choose the teammate it backs up to in the settings.';
        offerSettings(vsc.window.showInformationMessage(`Added ${describeCount(paths)} to plan "${plan.name}".${notes.map((note) => ` (${note}.)`).join('')}${next}`, openSettingsAction));
      },
    ],

    'peerBackup.backUpNow': [
      'Back Up Now to Teammate',
      async (clicked?: vscode.Uri, selected?: vscode.Uri[]) => {
        const { paths, base } = selection(vsc, clicked, selected);
        const app = services.app();
        const teammate = await pickTeammate(vsc, app, `Back up ${describeCount(paths)} to which teammate?`);
        if (!teammate) return;
        const { plan, created } = await app.plans.forSelection({ paths, base, teammate: teammate.peerId, excludes: services.settings().defaultExcludes });
        services.log.info(created ? `Made plan "${plan.name}" for this selection` : `Reusing plan "${plan.name}", which backs up this selection to ${teammate.label}`);
        services.changed();
        await runner.runNow(plan.name);
      },
    ],

    'peerBackup.createPlan': [
      'Create Backup Plan',
      async () => {
        const app = services.app();
        const name = await askPlanName(vsc, app, 'Create Backup Plan (1/4)');
        if (name === undefined) return;
        const folders = await pickFolders(vsc, 'Create Backup Plan (2/4)');
        if (!folders) return;
        const teammate = await pickTeammate(vsc, app, 'Create Backup Plan (3/4): back up to which teammate?');
        if (!teammate) return;
        const schedule = await pickSchedule(vsc, 'Create Backup Plan (4/4)');
        if (schedule === undefined) return;
        await app.plans.create({ name, ...folders, destination: teammate.peerId, schedule, excludes: services.settings().defaultExcludes });
        services.changed();
        const runNow = 'Run Now';
        const choice = vsc.window.showInformationMessage(`Created plan "${name}": ${countOf(folders.paths.length, 'folder')} to ${teammate.label}, ${schedule}.`, runNow, openSettingsAction);
        offerSettings(choice);
        whenChosen(choice, runNow, () => vsc.commands.executeCommand('peerBackup.runPlan', name));
      },
    ],

    'peerBackup.runPlan': [
      'Run Backup Plan Now',
      // The settings panel passes the plan's name, the Plans view its node; from the palette, the user picks one.
      async (planOrNode?: string | TreeNode) => {
        const name = planNameOf(planOrNode) ?? (await pickPlan(vsc, services.app(), 'Back up which plan now?'))?.name;
        if (name !== undefined) await runner.runNow(name);
      },
    ],

    'peerBackup.editPlan': [
      'Edit Backup Plan',
      async (planOrNode?: string | TreeNode) => {
        const name = planNameOf(planOrNode) ?? (await pickPlan(vsc, services.app(), 'Edit which plan?'))?.name;
        if (name !== undefined) context.openSettings(name);
      },
    ],
  });
}

/**
 * The files and folders an Explorer command acts on: the selection the
 * Explorer passes (it holds the clicked item), else the clicked item; and
 * the base their archive paths are made relative to: their workspace folder.
 */
function selection(vsc: Vscode, clicked: vscode.Uri | undefined, selected: vscode.Uri[] | undefined): { paths: string[]; base: string } {
  // package.json hides these commands in Restricted Mode; a keybinding could still reach them.
  if (vsc.workspace.isTrusted === false) {
    throw new UserError(
      'This folder is open in Restricted Mode, where Peer Backup does not send its files to a teammate: trust the folder first ("Workspaces: Manage Workspace Trust").',
    );
  }
  const uris = selected?.length ? selected : clicked ? [clicked] : [];
  if (uris.length === 0) throw new UserError('Right-click files or folders in the Explorer to choose what to back up.');
  const foreign = uris.find((uri) => uri.scheme !== 'file');
  if (foreign) throw new UserError(`${foreign.toString()} is not a file on this machine's disk, so Peer Backup cannot back it up.`);
  const folder = vsc.workspace.getWorkspaceFolder(uris[0]);
  return { paths: uris.map((uri) => uri.fsPath), base: folder ? folder.uri.fsPath : dirname(uris[0].fsPath) };
}

function planNameOf(planOrNode: string | TreeNode | undefined): string | undefined {
  return typeof planOrNode === 'string' ? planOrNode : planOrNode?.planName;
}

function describeCount(paths: string[]): string {
  return paths.length === 1 ? `"${paths[0].split(/[\\/]/).pop()}"` : `${paths.length} items`;
}
