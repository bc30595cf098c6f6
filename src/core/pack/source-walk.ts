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

const slash = 0x2f;

/** Entries handed over at once by walkBatches: enough to spare a round trip per entry, few enough to hold. */
const maxBatchEntries = 1024;

/** The walk one entry at a time. */
export async function* walkItems(planName: string, items: readonly PlanItem[], exclusion: Exclusion): AsyncGenerator<FoundEntry> {
  for await (const batch of walkBatches(planName, items, exclusion)) yield* batch;
}

/**
 * The walk in batches of entries, in walk order: a file needs no system
 * call here, so a folder's files are handed over together instead of one
 * promise and generator step each, which in a tree of small files cost more
 * than the walk itself.
 */
export async function* walkBatches(planName: string, items: readonly PlanItem[], exclusion: Exclusion): AsyncGenerator<FoundEntry[]> {
  const sorted = [...items].sort((a, b) => compareText(a.archivePath, b.archivePath));
  const looked = await Promise.all(sorted.map(async (item) => ({ item, stats: await lstat(item.sourcePath).catch((err: unknown) => err as NodeJS.ErrnoException) })));
  refuseMissing(planName, looked.filter(({ stats }) => stats instanceof Error && isMissing(stats)).map(({ item }) => item.sourcePath));
  for (const { item, stats } of looked) {
    const at = { sourcePath: Buffer.from(item.sourcePath), archivePath: Buffer.from(item.archivePath) };
    if (stats instanceof Error) {
      yield [{ kind: 'skipped', ...at, reason: errorReason(stats) }];
      continue;
    }
    const scope = stats.isDirectory() ? await exclusion.scopeAbove(item.sourcePath) : [];
    yield* walkFrom({ ...at, pathInItem: '' }, stats, scope, exclusion);
  }
}

/** A folder being walked: its children in name order and the next one to visit. */
interface Listing {
  folder: Position;
  children: Dirent<Buffer>[];
  next: number;
  scope: GitignoreScope;
}

/**
 * Depth first with an explicit stack of folder listings: each child's paths
 * are built and its exclusion decided only when its turn comes, as a
 * recursive walk would, and every entry is handed over once instead of up
 * through one generator per folder level.
 */
async function* walkFrom(top: Position, topStats: Stats, topScope: GitignoreScope, exclusion: Exclusion): AsyncGenerator<FoundEntry[]> {
  let batch: FoundEntry[] = [];
  const stack: Listing[] = [];
  const topListing = await visit(top, topStats, topScope, exclusion, batch);
  if (topListing) stack.push(topListing);
  // Paths inside the item are built only for rules that match them.
  const matchesPaths = exclusion.matchesPathsInItem;
  while (stack.length > 0) {
    const listing = stack[stack.length - 1]!;
    if (listing.next === listing.children.length) {
      stack.pop();
      continue;
    }
    const child = listing.children[listing.next++]!;
    const position = childPosition(listing.folder, child.name, matchesPaths);
    if (exclusion.mayExclude(listing.scope) && exclusion.isExcluded(listing.scope, position.sourcePath, position.pathInItem, child.isDirectory())) continue;
    if (child.isFile()) {
      batch.push({ kind: 'file', sourcePath: position.sourcePath, archivePath: position.archivePath });
    } else {
      const inner = await visit(position, child, listing.scope, exclusion, batch);
      if (inner) stack.push(inner);
    }
    if (batch.length >= maxBatchEntries) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Adds what `position` is to `batch`; for a folder that could be listed, returns its listing to walk next. */
async function visit(position: Position, stats: Stats | Dirent<Buffer>, scope: GitignoreScope, exclusion: Exclusion, batch: FoundEntry[]): Promise<Listing | undefined> {
  const at: Located = { sourcePath: position.sourcePath, archivePath: position.archivePath };
  if (stats.isFile()) {
    batch.push({ kind: 'file', ...at });
    return undefined;
  }
  let full: Stats;
  try {
    full = stats instanceof Dirent ? await lstat(at.sourcePath) : stats;
  } catch (err) {
    batch.push({ kind: 'skipped', ...at, reason: errorReason(err) });
    return undefined;
  }
  if (full.isSymbolicLink()) {
    try {
      batch.push({ kind: 'symlink', ...at, stats: full, target: await readlink(at.sourcePath, { encoding: 'buffer' }) });
    } catch (err) {
      batch.push({ kind: 'skipped', ...at, reason: errorReason(err) });
    }
    return undefined;
  }
  if (!full.isDirectory()) {
    batch.push({ kind: 'skipped', ...at, reason: specialFileReason(full) });
    return undefined;
  }
  batch.push({ kind: 'directory', ...at, stats: full });
  let children: Dirent<Buffer>[];
  try {
    children = await readdir(at.sourcePath, { withFileTypes: true, encoding: 'buffer' });
  } catch (err) {
    batch.push({ kind: 'skipped', ...at, reason: `could not be listed: ${errorReason(err)}` });
    return undefined;
  }
  children.sort((a, b) => Buffer.compare(a.name, b.name));
  return { folder: position, children, next: 0, scope: await exclusion.enter(scope, at.sourcePath) };
}

function childPosition(parent: Position, name: Buffer, withPathInItem: boolean): Position {
  const shown = withPathInItem ? displayName(name) : '';
  return {
    sourcePath: joinPath(parent.sourcePath, name),
    archivePath: joinPath(parent.archivePath, name),
    pathInItem: !withPathInItem ? '' : parent.pathInItem === '' ? shown : `${parent.pathInItem}/${shown}`,
  };
}

function joinPath(folder: Buffer, name: Buffer): Buffer {
  const path = Buffer.allocUnsafe(folder.length + 1 + name.length);
  folder.copy(path, 0);
  path[folder.length] = slash;
  name.copy(path, folder.length + 1);
  return path;
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
