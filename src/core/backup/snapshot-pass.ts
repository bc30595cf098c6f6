/**
 * One pass of a chunked backup: walk the plan, chunk what changed, send the
 * chunks the destination lacks in packs, then sign the manifest and commit.
 *
 * A file whose size, times and inode match the file cache keeps its cached
 * chunk IDs (or slice) and is not opened. A small file is read whole and put
 * into a bundle it shares with other small files (small-file-bundle.ts);
 * anything larger is read, cut, named and queued (chunk-sender.ts). Tree
 * lines and the reference list are cut into chunks as the walk goes, so
 * memory holds the file cache and the set of chunk IDs of this run, never
 * the tree or a file's content.
 *
 * The walk's rules are the archive packer's: paths are bytes, symlinks are
 * stored and never followed, special files are skipped with a reason, a
 * designated path that is gone fails the pass before anything is sent, and
 * the user's files are only ever opened read-only.
 */
import { lstatSync, type BigIntStats } from 'node:fs';
import type { ChunkKeys } from '../chunk/chunk-keys';
import { FastCdcChunker } from '../chunk/fastcdc';
import { UserError } from '../errors';
import type { Identity } from '../identity/keys';
import { displayName } from '../pack/byte-names';
import { Exclusion } from '../pack/exclusion';
import { BatchReadAhead } from '../pack/read-ahead';
import { walkBatches, type FoundEntry } from '../pack/source-walk';
import { signManifest } from '../snapshot/manifest';
import { ReferenceListWriter, type ReferenceChunk } from '../snapshot/reference-chunks';
import { cacheKey, type CachedFile, type FileCacheMap, type FileStamp, type Plan, type SkippedPath } from '../store';
import type { TreeEntry } from '../snapshot/tree-entry';
import type { Manifest } from '../wire/chunk-protocol';
import type { BackupProgress } from './backup-progress';
import type { ChunkDestination, CommitResult } from './chunk-destination';
import { ChunkSender } from './chunk-sender';
import { hasStamp, openRegularFile, readChunks, stampOf, type OpenedFile } from './file-chunks';
import { PackShipper } from './pack-shipper';
import { readSmallFile, type SmallFileRead } from './small-file';
import { SmallFileBundle, smallFileBytes } from './small-file-bundle';
import { TreeWriter } from './tree-writer';

/** Files looked up (and opened, when not cached) ahead of the one being read, so the thread pool's latency overlaps. */
const filesAhead = 16;
/** Each read: large enough that a big file costs few calls, small enough to reuse one buffer for a run. */
const readBufferBytes = 1024 * 1024;

export interface PassOptions {
  plan: Plan & { destination: string };
  snapshotId: string;
  identity: Identity;
  keys: ChunkKeys;
  destination: ChunkDestination;
  /** The plan's cached files at this destination; empty for a pass that reads everything. */
  cache: FileCacheMap;
  /** Pack files are named this followed by a number and `.tar`. */
  packPathPrefix: string;
  progress: BackupProgress;
  signal?: AbortSignal;
  now?: () => number;
}

export interface PassResult {
  commit: CommitResult;
  files: number;
  contentBytes: number;
  skipped: SkippedPath[];
  /** What the file cache should hold if the commit took: every file read or reused, unless it changed while read. */
  cache: FileCacheMap;
}

type Prepared = { key: string } & ({ cached: CachedFile; mode: number } | { small: Exclude<SmallFileRead, { large: true }> } | { opening: OpenedFile });

/** The file's mode if it is still the regular file the cache describes; undefined if it is gone, changed or unreadable. */
function unchangedMode(sourcePath: Buffer, cached: CachedFile): number | undefined {
  let stats: BigIntStats | undefined;
  try {
    stats = lstatSync(sourcePath, { bigint: true, throwIfNoEntry: false });
  } catch {
    return undefined;
  }
  return stats?.isFile() && hasStamp(stats, cached) ? Number(stats.mode) : undefined;
}

/** A file's cache entry, made field by field: every entry then has one shape, whatever made it. */
function cachedFileOf({ size, mtimeNs, ctimeNs, inode }: FileStamp, chunks: string[], offset?: number): CachedFile {
  return offset === undefined ? { size, mtimeNs, ctimeNs, inode, chunks } : { size, mtimeNs, ctimeNs, inode, chunks, offset };
}

export async function sendSnapshotPass(options: PassOptions): Promise<PassResult> {
  const { plan, progress, signal } = options;
  const figures = progress.figures;
  const shipper = new PackShipper(options.destination, options.packPathPrefix, signal, (count) => {
    figures.sentBytes += count;
    progress.changed();
  });
  const sender = new ChunkSender(options.keys, options.destination, shipper, signal, (count) => {
    figures.newBytes += count;
    progress.changed();
  });
  const tree = new TreeWriter(sender);
  const cutReferences: ReferenceChunk[] = [];
  const references = new ReferenceListWriter((chunk) => cutReferences.push(chunk));
  const referenceIds: string[] = [];
  /** Adds IDs to the reference list; only when that cuts a reference chunk is there anything to wait for. */
  const addReferences = (ids: readonly string[]): Promise<void> | undefined => {
    for (const id of ids) references.add(id);
    return cutReferences.length === 0 ? undefined : queueReferences(cutReferences.splice(0));
  };
  const queueReferences = async (chunks: readonly ReferenceChunk[]) => {
    for (const chunk of chunks) {
      referenceIds.push(chunk.id);
      await sender.addReference(chunk);
    }
  };
  /** Writes the entry's tree line and adds its chunks to the reference list, in tree order. */
  const record = (entry: TreeEntry): Promise<void> | undefined => {
    const treeChunks = tree.add(entry);
    if (entry.type !== 'file') return treeChunks;
    return treeChunks ? treeChunks.then(() => addReferences(entry.chunks)) : addReferences(entry.chunks);
  };
  const bundle = new SmallFileBundle((plaintext) => sender.addSealed(plaintext), record);

  const skipped: SkippedPath[] = [];
  const changed: SkippedPath[] = [];
  const cache: FileCacheMap = new Map();
  const chunker = new FastCdcChunker();
  const buffer = Buffer.allocUnsafe(readBufferBytes);
  const exclusion = new Exclusion(plan.excludes, plan.respectGitignore, (path, reason) => skipped.push({ path, reason }));
  let files = 0;
  let contentBytes = 0;

  // Every file opened ahead is tracked, so none stays open whatever ends the pass.
  const openFiles = new Set<OpenedFile>();
  // A file the cache knows is checked with a synchronous lstat: one system call on a warm inode costs less than a
  // round trip through the thread pool and its promise, and an unchanged tree is nearly all such files.
  const prepare = (found: FoundEntry): Prepared | Promise<Prepared> | undefined => {
    if (found.kind !== 'file') return undefined;
    const key = cacheKey(found.sourcePath);
    const cached = options.cache.get(key);
    const mode = cached && unchangedMode(found.sourcePath, cached);
    if (mode !== undefined) return { key, cached: cached!, mode };
    const small = readSmallFile(found.sourcePath, smallFileBytes);
    if (!('large' in small)) return { key, small };
    return openRegularFile(found.sourcePath).then((opening) => {
      openFiles.add(opening);
      return { key, opening };
    });
  };

  const ahead = new BatchReadAhead(walkBatches(plan.name, plan.items, exclusion), filesAhead, prepare);
  try {
    for (;;) {
      const next = ahead.next();
      const current = next instanceof Promise ? await next : next;
      if (current === undefined) break;
      const { item: found, prepared } = current;
      signal?.throwIfAborted();
      let waiting: Promise<void> | undefined;
      switch (found.kind) {
        case 'directory':
          waiting = bundle.add({ type: 'directory', path: found.archivePath, mode: found.stats.mode, mtimeMs: found.stats.mtimeMs });
          break;
        case 'symlink':
          waiting = bundle.add({ type: 'symlink', path: found.archivePath, mode: found.stats.mode, mtimeMs: found.stats.mtimeMs, target: found.target });
          break;
        case 'skipped':
          skipped.push({ path: displayName(found.sourcePath), reason: found.reason });
          break;
        case 'file': {
          const ready = (prepared instanceof Promise ? await prepared : prepared)!;
          const { key } = ready;
          const entryOf = (stored: { size: number; chunks: string[]; mtimeNs: bigint; mode: number; offset?: number }): TreeEntry & { type: 'file' } => {
            const entry: TreeEntry & { type: 'file' } = { type: 'file', path: found.archivePath, mode: stored.mode, mtimeMs: Number(stored.mtimeNs / 1_000_000n), size: stored.size, chunks: stored.chunks };
            if (stored.offset !== undefined) entry.offset = stored.offset;
            return entry;
          };
          let size: number;
          if ('cached' in ready) {
            const cached = ready.cached;
            size = cached.size;
            waiting = bundle.add(entryOf({ size, chunks: cached.chunks, mtimeNs: cached.mtimeNs, mode: ready.mode, offset: cached.offset }));
            cache.set(key, cached);
            figures.unchangedFiles++;
            figures.unchangedBytes += size;
            figures.bytes += size;
          } else if ('small' in ready) {
            const { small } = ready;
            if ('skipped' in small) {
              skipped.push({ path: displayName(found.sourcePath), reason: small.skipped });
              break;
            }
            const stamp = stampOf(small.stats);
            size = small.content.length;
            figures.currentPath = displayName(found.archivePath);
            figures.bytes += size;
            if (small.changed !== undefined) changed.push({ path: displayName(found.sourcePath), reason: small.changed });
            const entry = entryOf({ size, chunks: [], mtimeNs: stamp.mtimeNs, mode: Number(small.stats.mode) });
            // Cached (if read whole and unchanged) in walk order, as the file cache's pages are cut by it: the entry
            // is replaced in its place once the bundle is cut, which is before the cache is saved.
            if (small.changed === undefined) cache.set(key, cachedFileOf(stamp, []));
            const remember = (named: { chunks: string[]; offset?: number }) => {
              if (small.changed !== undefined) return;
              cache.set(key, cachedFileOf(stamp, named.chunks, named.offset));
            };
            waiting = size === 0 ? bundle.add(entry) : bundle.addFile(entry, small.content, remember);
          } else {
            const { opening } = ready;
            if ('skipped' in opening) {
              skipped.push({ path: displayName(found.sourcePath), reason: opening.skipped });
              break;
            }
            figures.currentPath = displayName(found.archivePath);
            openFiles.delete(opening); // readChunks closes it, whatever happens
            const read = await readChunks(
              opening,
              chunker,
              buffer,
              (chunk) => sender.addSealed(chunk),
              (count) => {
                figures.bytes += count;
                progress.changed();
              },
              signal,
            );
            size = read.size;
            if (read.changed !== undefined) changed.push({ path: displayName(found.sourcePath), reason: read.changed });
            else cache.set(key, cachedFileOf(read.stamp, read.chunks));
            waiting = bundle.add(entryOf({ size, chunks: read.chunks, mtimeNs: read.stamp.mtimeNs, mode: Number(opening.stats.mode) }));
          }
          files++;
          contentBytes += size;
          figures.files++;
          progress.changed();
          break;
        }
      }
      if (waiting) await waiting;
    }

    figures.examined = true;
    figures.currentPath = undefined;
    progress.changed(true);
    await bundle.cut();
    const treeIds = await tree.finish();
    if (treeIds.length === 0) {
      throw new UserError(`Plan "${plan.name}" found nothing to back up: every designated path was skipped (${skipped.map((each) => `${each.path}: ${each.reason}`).join('; ')}).`, {
        code: 'nothing-to-back-up',
      });
    }
    references.finish();
    await addReferences([]);
    await sender.finish();
    await shipper.finish();
    const manifest: Manifest = {
      version: 2,
      snapshotId: options.snapshotId,
      plan: plan.name,
      sender: options.identity.peerId,
      receiver: plan.destination,
      createdAt: (options.now ?? Date.now)(),
      files,
      contentBytes,
      tree: treeIds,
      references: referenceIds,
    };
    const commit = await options.destination.commit(options.snapshotId, signManifest(options.identity, manifest), signal);
    return { commit, files, contentBytes, skipped: [...skipped, ...changed], cache };
  } finally {
    await ahead.close();
    await Promise.all([...openFiles].map((opening) => ('handle' in opening ? opening.handle.close() : undefined)));
    // A batch still being sealed when the pass failed would add to a pack; let it end before the packs are removed.
    await sender.settle();
    await shipper.close();
  }
}
