/**
 * What each panel request does. Form values arrive as typed text and are
 * checked field by field with the same parsers the CLI uses; a failing field
 * comes back to the panel under its own name, to be shown next to its input.
 */
import { dirname } from 'node:path';
import {
  checkNewTeammateLabel,
  checkNewTeammatePeerId,
  checkPlanName,
  formatTime,
  parsePeerId,
  parseQuota,
  previewSchedule,
} from '../../core/app';
import { showError } from '../report-errors';
import type { BackupRunner } from '../run-with-progress';
import type { ReceiverSwitch } from '../receiver-switch';
import type { RegistryWatch } from '../registry-health';
import type { RegistryHost } from '../registry-host';
import type { Services } from '../services';
import { checkPort, checkRegistryUrl, storageDirFor, writeSetting } from '../settings';
import { checkFields, invalidField } from './field-checks';
import { teammateFiguresView } from './teammate-figures';
import type { RequestHandlers } from './panel-controller';

export interface PanelContext {
  services: Services;
  runner: BackupRunner;
  receiver: ReceiverSwitch;
  registryHost: RegistryHost;
  registryWatch: RegistryWatch;
}

export function createRequestHandlers({ services, runner, receiver, registryHost, registryWatch }: PanelContext): RequestHandlers {
  const { vsc } = services;
  const app = () => services.app();

  /** Runs a change, then tells every surface (the panel included) to show the new state. */
  const changing = async (change: () => Promise<unknown>): Promise<null> => {
    await change();
    services.changed();
    return null;
  };

  const confirm = async (message: string, action: string): Promise<boolean> =>
    (await vsc.window.showWarningMessage(message, { modal: true }, action)) === action;

  return {
    refresh: async () => changing(async () => undefined),

    previewSchedule: async ({ schedule }) => {
      const checked = await checkFields({ schedule: () => previewSchedule(schedule, new Date()) });
      return { summary: checked.schedule.summary, nextRuns: checked.schedule.nextRuns.map(formatTime) };
    },

    createPlan: async ({ name }) => {
      const checked = await checkFields({ name: () => checkPlanName(name) });
      if ((await app().plans.list()).some((plan) => plan.name === checked.name)) {
        throw invalidField('name', `A plan named "${checked.name}" already exists: choose another name.`);
      }
      return changing(() => app().plans.create({ name: checked.name, excludes: services.settings().defaultExcludes }));
    },

    savePlan: async ({ plan, destination, schedule, excludes }) => {
      const checked = await checkFields({
        destination: async () => (destination.trim() === '' ? '' : app().teammates.resolve(destination)),
        schedule: () => previewSchedule(schedule, new Date(), 0).spec,
        excludes: () =>
          excludes
            .split('\n')
            .map((line) => line.trim())
            .filter((line) => line !== ''),
      });
      return changing(() => app().plans.update(plan, checked));
    },

    setPlanEnabled: async ({ plan, enabled }) => changing(() => app().plans.update(plan, { enabled })),

    addPaths: async ({ plan, kind }) => {
      const picked = await vsc.window.showOpenDialog({
        canSelectFiles: kind === 'files',
        canSelectFolders: kind === 'folders',
        canSelectMany: true,
        openLabel: 'Add to Plan',
        title: `Add ${kind} to plan "${plan}"`,
        defaultUri: vsc.workspace.workspaceFolders?.[0]?.uri,
      });
      if (!picked?.length) return { notes: [] };
      const folder = vsc.workspace.getWorkspaceFolder(picked[0]);
      const base = folder ? folder.uri.fsPath : dirname(picked[0].fsPath);
      const { notes } = await app().plans.addPaths(plan, picked.map((uri) => uri.fsPath), base);
      services.changed();
      return { notes };
    },

    removePath: async ({ plan, sourcePath }) => {
      return changing(() => app().plans.removePaths(plan, [sourcePath], dirname(sourcePath)));
    },

    removePlan: async ({ plan }) => {
      if (!(await confirm(`Delete the plan "${plan}" and its run history? Snapshots your teammate already stores stay with them.`, 'Delete Plan'))) return null;
      return changing(() => app().plans.remove(plan));
    },

    runPlan: async ({ plan }) => {
      // The run reports itself (notification, status bar); the panel only starts it.
      runner.runNow(plan).catch((err: unknown) => showError(vsc, services.log, `Backing up "${plan}"`, err));
      return null;
    },

    addTeammate: async ({ label, peerId }) => {
      const teammates = await app().teammates.list();
      const checked = await checkFields({ label: () => checkNewTeammateLabel(label, teammates), peerId: () => checkNewTeammatePeerId(peerId, teammates) });
      return changing(() => app().teammates.add(checked.label, checked.peerId));
    },

    removeTeammate: async ({ peerId }) => {
      if (!(await confirm(`Remove this teammate? Plans that back up to them keep their peer ID.`, 'Remove Teammate'))) return null;
      return changing(() => app().teammates.remove(peerId));
    },

    setReceiving: async ({ enabled }) => {
      await writeSetting(vsc, 'receiver.enabled', enabled);
      return changing(() => receiver.sync());
    },

    saveReceiver: async ({ port, storageFolder }) => {
      const checked = await checkFields({
        port: () => checkPort(port),
        storageFolder: () => {
          storageDirFor(storageFolder, services.home); // throws when the folder is unusable
          return storageFolder.trim();
        },
      });
      await writeSetting(vsc, 'receiver.port', checked.port);
      await writeSetting(vsc, 'receiver.storageFolder', checked.storageFolder);
      return changing(() => receiver.sync());
    },

    chooseStorageFolder: async () => {
      const [folder] = (await vsc.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Store Backups Here', title: "Where to keep teammates' backups" })) ?? [];
      if (!folder) return null;
      await writeSetting(vsc, 'receiver.storageFolder', folder.fsPath);
      return changing(() => receiver.sync());
    },

    allowSender: async ({ peerId, label, quota }) => {
      const checked = await checkFields({ peerId: () => parsePeerId(peerId), quota: () => parseQuota(quota) });
      return changing(() => app().receiving.allow(checked.peerId, checked.quota, label));
    },

    denySender: async ({ peerId }) => {
      if (!(await confirm('Stop this teammate from backing up here? Snapshots they already stored stay in the storage folder.', 'Stop Allowing'))) return null;
      return changing(() => app().receiving.deny(peerId));
    },

    copyPeerId: async () => {
      await vsc.env.clipboard.writeText((await app().identity()).peerId);
      return null;
    },

    saveRegistryUrl: async ({ registryUrl }) => {
      const checked = await checkFields({ registryUrl: () => checkRegistryUrl(registryUrl) });
      await writeSetting(vsc, 'registryUrl', checked.registryUrl);
      return changing(async () => {
        await receiver.sync();
        await registryWatch.check();
      });
    },

    // The commands show the URL to share (with Copy) and say when hosting stops.
    hostRegistry: async () => changing(async () => vsc.commands.executeCommand('peerBackup.hostRegistry')),

    stopHostingRegistry: async () => changing(async () => registryHost.hosted && vsc.commands.executeCommand('peerBackup.stopHostingRegistry')),

    // Bounded by the core's timeout: an unreachable teammate answers "not reachable now", never a hung row.
    teammateFigures: async ({ peerId }) => teammateFiguresView(await app().teammates.figures(peerId)),
  };
}
