/**
 * Turns the paths a user designates into plan items: absolute source paths
 * that exist, each with a stable, relative, '/'-separated archive path.
 *
 * The archive path is the path relative to `base` (the workspace folder, or
 * the CLI's working directory) when the item is inside it, else its base
 * name. A path inside an already designated folder adds nothing; a folder
 * that contains designated paths replaces them.
 */
import { lstat } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { UserError } from '../errors';
import type { PlanItem } from '../store';

/** The archive's own bookkeeping lives here, so no designated path may use it. */
export const reservedArchiveRoot = '.peer-backup';

export interface Designation {
  items: PlanItem[];
  /** One line per path that was merged rather than added, for the user. */
  notes: string[];
}

export async function designate(existing: PlanItem[], paths: string[], base: string): Promise<Designation> {
  let items = [...existing];
  const notes: string[] = [];
  for (const given of paths) {
    const sourcePath = resolve(base, given);
    try {
      await lstat(sourcePath);
    } catch {
      throw new UserError(`${sourcePath} does not exist: check the path, or create it before designating it.`);
    }
    const covering = items.find((item) => isSameOrInside(sourcePath, item.sourcePath));
    if (covering) {
      notes.push(`${sourcePath} is already backed up as part of ${covering.sourcePath}`);
      continue;
    }
    const covered = items.filter((item) => isSameOrInside(item.sourcePath, sourcePath));
    for (const item of covered) notes.push(`${sourcePath} now includes ${item.sourcePath}`);
    items = items.filter((item) => !covered.includes(item));
    const archivePath = archivePathFor(sourcePath, base);
    const clash = items.find((item) => isSameOrInside(archivePath, item.archivePath, '/') || isSameOrInside(item.archivePath, archivePath, '/'));
    if (clash) {
      throw new UserError(
        `${sourcePath} and ${clash.sourcePath} would both be stored under "${clash.archivePath}" in the archive: designate them from a common parent folder, or put them in separate plans.`,
      );
    }
    items.push({ sourcePath, archivePath });
  }
  items.sort((a, b) => a.archivePath.localeCompare(b.archivePath));
  return { items, notes };
}

/** Removes designated paths; a path that is not designated is the user's error. */
export function undesignate(existing: PlanItem[], paths: string[], base: string): PlanItem[] {
  const targets = paths.map((given) => resolve(base, given));
  for (const target of targets) {
    if (!existing.some((item) => item.sourcePath === target)) {
      throw new UserError(`${target} is not designated in this plan: "plan show" lists the designated paths.`);
    }
  }
  return existing.filter((item) => !targets.includes(item.sourcePath));
}

function archivePathFor(sourcePath: string, base: string): string {
  const fromBase = relative(base, sourcePath);
  const inside = fromBase !== '' && !fromBase.startsWith('..') && !isAbsolute(fromBase);
  const archivePath = inside ? fromBase.split(sep).join('/') : basename(sourcePath);
  if (archivePath === '') throw new UserError(`${sourcePath} is a file-system root: designate the folders inside it instead.`);
  if (archivePath.split('/')[0] === reservedArchiveRoot) {
    throw new UserError(`${sourcePath} would be stored as "${archivePath}", a name Peer Backup keeps for itself: rename it or designate its parent.`);
  }
  return archivePath;
}

function isSameOrInside(child: string, parent: string, separator: string = sep): boolean {
  return child === parent || child.startsWith(parent.endsWith(separator) ? parent : parent + separator);
}
