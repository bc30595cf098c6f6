/**
 * Walks a plan's designated paths and yields what belongs in the archive, in
 * a deterministic order: items by archive path, folder contents by name
 * (bytes, so the order does not depend on the locale), each folder before
 * its contents. Symlinks are reported, never followed.
 *
 * Paths are bytes from the folder listing on: a name that is not valid UTF-8
 * is packed as it is, not lost to a decode.
 *
 * A designated path that is gone fails the walk before anything is packed:
 * a backup without it would silently protect less than the plan says.
 */
import { Dirent, type Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { UserError } from '../errors';
import type { PlanItem } from '../store';
import { displayName } from './byte-names';
import type { Exclusion, GitignoreScope } from './exclusion';
import { errorReason, specialFileReason } from './skip-reasons';

interface Located {
  sourcePath: Buffer;
  archivePath: Buffer;
}

/** Where the walk is, plus the path below the designated folder (as text), which excludes are matched against. */
interface Position extends Located {
  pathInItem: string;
}

export type FoundEntry =
  | (Located & { kind: 'directory'; stats: Stats })
  /** Files are opened and stat'ed by the packer itself, from the open descriptor. */
  | (Located & { kind: 'file' })
  | (Located & { kind: 'symlink'; stats: Stats; target: Buffer })
  | (Located & { kind: 'skipped'; reason: string });

const slash = Buffer.from('/');

export async function* walkItems(planName: string, items: readonly PlanItem[], exclusion: Exclusion): AsyncGenerator<FoundEntry> {
  const sorted = [...items].sort((a, b) => compareText(a.archivePath, b.archivePath));
  const looked = await Promise.all(sorted.map(async (item) => ({ item, stats: await lstat(item.sourcePath).catch((err: unknown) => err as NodeJS.ErrnoException) })));
  refuseMissing(planName, looked.filter(({ stats }) => stats instanceof Error && isMissing(stats)).map(({ item }) => item.sourcePath));
  for (const { item, stats } of looked) {
    const at = { sourcePath: Buffer.from(item.sourcePath), archivePath: Buffer.from(item.archivePath) };
    if (stats instanceof Error) {
      yield { kind: 'skipped', ...at, reason: errorReason(stats) };
      continue;
    }
    const scope = stats.isDirectory() ? await exclusion.scopeAbove(item.sourcePath) : [];
    yield* walkFrom({ ...at, pathInItem: '' }, stats, scope, exclusion);
  }
}

/**
 * An entry met but not yet visited: the designated path itself, or a child
 * from a folder listing, whose paths are built and whose exclusion is decided
 * only when its turn comes, as a recursive walk would.
 */
type Pending = { position: Position; stats: Stats; scope: GitignoreScope } | { parent: Position; child: Dirent<Buffer>; scope: GitignoreScope };

/**
 * Depth first with an explicit stack (each folder's children pushed in
 * reverse, so they come off in name order): every entry is yielded once,
 * instead of being handed up through one generator per folder level.
 */
async function* walkFrom(top: Position, topStats: Stats, topScope: GitignoreScope, exclusion: Exclusion): AsyncGenerator<FoundEntry> {
  const stack: Pending[] = [{ position: top, stats: topStats, scope: topScope }];
  for (let pending = stack.pop(); pending !== undefined; pending = stack.pop()) {
    const { scope } = pending;
    const [position, stats] = 'child' in pending ? [childPosition(pending.parent, pending.child.name), pending.child] : [pending.position, pending.stats];
    if ('child' in pending && exclusion.isExcluded(scope, position.sourcePath, position.pathInItem, stats.isDirectory())) continue;
    const at: Located = { sourcePath: position.sourcePath, archivePath: position.archivePath };
    if (stats.isFile()) {
      yield { kind: 'file', ...at };
      continue;
    }
    let full: Stats;
    try {
      full = stats instanceof Dirent ? await lstat(at.sourcePath) : stats;
    } catch (err) {
      yield { kind: 'skipped', ...at, reason: errorReason(err) };
      continue;
    }
    if (full.isSymbolicLink()) {
      try {
        yield { kind: 'symlink', ...at, stats: full, target: await readlink(at.sourcePath, { encoding: 'buffer' }) };
      } catch (err) {
        yield { kind: 'skipped', ...at, reason: errorReason(err) };
      }
      continue;
    }
    if (!full.isDirectory()) {
      yield { kind: 'skipped', ...at, reason: specialFileReason(full) };
      continue;
    }
    yield { kind: 'directory', ...at, stats: full };
    let children: Dirent<Buffer>[];
    try {
      children = await readdir(at.sourcePath, { withFileTypes: true, encoding: 'buffer' });
    } catch (err) {
      yield { kind: 'skipped', ...at, reason: `could not be listed: ${errorReason(err)}` };
      continue;
    }
    const inside = await exclusion.enter(scope, at.sourcePath);
    children.sort((a, b) => Buffer.compare(b.name, a.name));
    for (const child of children) stack.push({ parent: position, child, scope: inside });
  }
}

function childPosition(parent: Position, name: Buffer): Position {
  const shown = displayName(name);
  return {
    sourcePath: Buffer.concat([parent.sourcePath, slash, name]),
    archivePath: Buffer.concat([parent.archivePath, slash, name]),
    pathInItem: parent.pathInItem === '' ? shown : `${parent.pathInItem}/${shown}`,
  };
}

function isMissing(err: NodeJS.ErrnoException): boolean {
  return err.code === 'ENOENT' || err.code === 'ENOTDIR';
}

function refuseMissing(planName: string, missing: readonly string[]): void {
  if (missing.length === 0) return;
  const command = ['peer-backup', 'plan', 'remove-paths', planName, ...missing].map(shellWord).join(' ');
  const what = missing.length === 1 ? `${missing[0]} was moved or deleted: restore it` : `These designated paths were moved or deleted: ${missing.join(', ')}. Restore them`;
  throw new UserError(`${what}, or remove ${missing.length === 1 ? 'it' : 'them'} from the plan with \`${command}\`.`, { code: 'source-missing' });
}

/** A word as a shell would need it typed, so the suggested command can be pasted. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
