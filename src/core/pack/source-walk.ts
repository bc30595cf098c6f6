/**
 * Walks a plan's designated paths and yields what belongs in the archive, in
 * a deterministic order: items by archive path, folder contents by name
 * (UTF-16 code units, so the order does not depend on the locale), each
 * folder before its contents. Symlinks are reported, never followed.
 */
import { Dirent, type Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlanItem } from '../store';
import type { Exclusion, GitignoreScope } from './exclusion';
import { errorReason, specialFileReason } from './skip-reasons';

interface Located {
  sourcePath: string;
  archivePath: string;
}

/** Where the walk is, plus the path below the designated folder, which excludes are matched against. */
interface Position extends Located {
  pathInItem: string;
}

export type FoundEntry =
  | (Located & { kind: 'directory'; stats: Stats })
  /** Files are opened and stat'ed by the packer itself, from the open descriptor. */
  | (Located & { kind: 'file' })
  | (Located & { kind: 'symlink'; stats: Stats; target: string })
  | (Located & { kind: 'skipped'; reason: string });

export async function* walkItems(items: readonly PlanItem[], exclusion: Exclusion): AsyncGenerator<FoundEntry> {
  for (const item of [...items].sort((a, b) => compareNames(a.archivePath, b.archivePath))) {
    let stats: Stats;
    try {
      stats = await lstat(item.sourcePath);
    } catch (err) {
      yield { kind: 'skipped', ...item, reason: errorReason(err) };
      continue;
    }
    const scope = stats.isDirectory() ? await exclusion.scopeAbove(item.sourcePath) : [];
    yield* visit({ ...item, pathInItem: '' }, stats, scope, exclusion);
  }
}

async function* visit(position: Position, stats: Stats | Dirent, scope: GitignoreScope, exclusion: Exclusion): AsyncGenerator<FoundEntry> {
  const at: Located = { sourcePath: position.sourcePath, archivePath: position.archivePath };
  if (stats.isFile()) {
    yield { kind: 'file', ...at };
    return;
  }
  let full: Stats;
  try {
    full = stats instanceof Dirent ? await lstat(at.sourcePath) : stats;
  } catch (err) {
    yield { kind: 'skipped', ...at, reason: errorReason(err) };
    return;
  }
  if (full.isSymbolicLink()) {
    try {
      yield { kind: 'symlink', ...at, stats: full, target: await readlink(at.sourcePath) };
    } catch (err) {
      yield { kind: 'skipped', ...at, reason: errorReason(err) };
    }
    return;
  }
  if (!full.isDirectory()) {
    yield { kind: 'skipped', ...at, reason: specialFileReason(full) };
    return;
  }
  yield { kind: 'directory', ...at, stats: full };
  let children: Dirent[];
  try {
    children = await readdir(at.sourcePath, { withFileTypes: true });
  } catch (err) {
    yield { kind: 'skipped', ...at, reason: `could not be listed: ${errorReason(err)}` };
    return;
  }
  const inside = await exclusion.enter(scope, at.sourcePath);
  children.sort((a, b) => compareNames(a.name, b.name));
  for (const child of children) {
    const next = {
      sourcePath: join(at.sourcePath, child.name),
      archivePath: `${at.archivePath}/${child.name}`,
      pathInItem: position.pathInItem === '' ? child.name : `${position.pathInItem}/${child.name}`,
    };
    if (exclusion.isExcluded(inside, next.sourcePath, next.pathInItem, child.isDirectory())) continue;
    yield* visit(next, child, inside, exclusion);
  }
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
