/**
 * Where a file on disk sits in the plans that back it up: the plan, the
 * path the plan stores it under (a path is stored under the plan's name
 * for it, not where it sits on disk) and the teammate holding it.
 */
import { isAbsolute, relative, sep } from 'node:path';
import type * as vscode from 'vscode';
import { printable, UserError, type App, type Plan } from '../../core/app';
import { teammateName } from '../wording';

export interface PlanPath {
  plan: Plan & { destination: string };
  /** Its path in the snapshots, '/'-separated. */
  archivePath: string;
  /** The teammate's name as shown, escaped. */
  teammate: string;
}

/** The file behind an Explorer item or editor; a UserError for anything that is not on this disk. */
export function onDisk(uri: vscode.Uri | undefined): string {
  if (!uri) throw new UserError('Open a file first, or right-click one in the Explorer.', { code: 'bad-input' });
  if (uri.scheme !== 'file') throw new UserError(`${uri.toString()} is not a file on this machine's disk, so it has no backups.`, { code: 'bad-input' });
  return uri.fsPath;
}

/** Every plan whose paths hold `localPath`, with or without a teammate. */
export async function plansHolding(app: App, localPath: string): Promise<{ plan: Plan; archivePath: string }[]> {
  return (await app.plans.list()).flatMap((plan) =>
    plan.items.flatMap((item) => {
      const inside = relative(item.sourcePath, localPath);
      if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return [];
      const archivePath = inside === '' ? item.archivePath : `${item.archivePath}/${inside.split(sep).join('/')}`;
      return [{ plan, archivePath }];
    }),
  );
}

/** The plans that back `localPath` up to a teammate. */
export async function backedUpAt(app: App, localPath: string): Promise<PlanPath[]> {
  const holding = (await plansHolding(app, localPath)).filter((each): each is { plan: Plan & { destination: string }; archivePath: string } => each.plan.destination !== null);
  return Promise.all(holding.map(async (each) => ({ ...each, teammate: printable(teammateName(await app.teammates.labelOf(each.plan.destination), each.plan.destination)) })));
}

/** The same, with UserErrors that say what to do when no plan backs it up to a teammate. */
export async function requireBackedUp(app: App, localPath: string): Promise<PlanPath[]> {
  const holding = await plansHolding(app, localPath);
  if (holding.length === 0) {
    throw new UserError(`${localPath} is in no backup plan: right-click it in the Explorer and choose "Add to Backup Plan...".`, { code: 'not-found' });
  }
  const withTeammate = await backedUpAt(app, localPath);
  if (withTeammate.length === 0) {
    throw new UserError(`Plan "${printable(holding[0].plan.name)}" backs up ${localPath} but has no teammate yet: set its destination in "Peer Backup: Open Settings".`, { code: 'no-destination' });
  }
  return withTeammate;
}
