/**
 * One pass of a chunked backup: walk the plan, chunk what changed, send the
 * chunks the destination lacks in packs, then sign the manifest and commit.
 *
 * Files are looked at on a thread of their own, a few groups ahead
 * (looked-walk.ts): a file whose size, times and inode match the file cache
 * keeps its cached chunk IDs (or slice) and is not opened; a small file is
 * read whole there and put into a bundle it shares with other small files
 * (small-file-bundle.ts); anything larger is read here, cut, named and
 * queued (chunk-sender.ts). Tree lines, the reference list and the next
 * file cache are written as the walk goes, so memory holds the loaded file
 * cache and the set of chunk IDs of this run, never the tree, the next
 * cache or a file's content.
 *
 * The walk's rules are the archive packer's: paths are bytes, symlinks are
 * stored and never followed, special files are skipped with a reason, a
 * designated path that is gone fails the pass before anything is sent, and
 * the user's files are only ever opened read-only.
 */
import type { ChunkKeys } from '../chunk/chunk-keys';
import { ChunkSealer } from '../chunk/chunk-sealer';
import { FastCdcChunker } from '../chunk/fastcdc';
import { UserError } from '../errors';
import type { Identity } from '../identity/keys';
import { displayName } from '../pack/byte-names';
import { Exclusion } from '../pack/exclusion';
import { walkBatches } from '../pack/source-walk';
import { signManifest } from '../snapshot/manifest';
import { ReferenceListWriter, type ReferenceChunk } from '../snapshot/reference-chunks';
import type { CachedFile, FileCacheWriter, FileStamp, LoadedFileCache, Plan, SkippedPath, StagedCache } from '../store';
import type { TreeEntry } from '../snapshot/tree-entry';
import type { Manifest } from '../wire/chunk-protocol';
import type { BackupProgress } from './backup-progress';
import type { ChunkDestination, CommitResult } from './chunk-destination';
import { backupThread } from './backup-thread';
import { BundledCacheEntries } from './bundled-cache-entries';
import { ChunkSender } from './chunk-sender';
import { openRegularFile, readChunks } from './file-chunks';
import { FileLooker } from './file-looker';
import { lookedAtWalk, type LookedFile } from './looked-walk';
import { PackShipper } from './pack-shipper';
import { SmallFileBundle, smallFileBytes } from './small-file-bundle';
import { TreeWriter } from './tree-writer';

/** Each read: large enough that a big file costs few calls, small enough to reuse one buffer for a run. */
const readBufferBytes = 1024 * 1024;

export interface PassOptions {
  plan: Plan & { destination: string };
  snapshotId: string;
  identity: Identity;
  keys: ChunkKeys;
  destination: ChunkDestination;
  /** The plan's cached files at this destination; empty for a pass that reads everything. */
  cache: LoadedFileCache;
  /** Takes the file cache of this pass: every file read or reused, unless it changed while read. */
  nextCache: FileCacheWriter;
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
  /** The file cache to save if the commit took. */
  nextCache: StagedCache;
}

/** A file's cache entry, made field by field: every entry then has one shape, whatever made it. */
function cachedFileOf({ size, mtimeNs, ctimeNs, inode }: FileStamp, chunks: string[]): CachedFile {
  return { size, mtimeNs, ctimeNs, inode, chunks };
}

export async function sendSnapshotPass(options: PassOptions): Promise<PassResult> {
  const { plan, progress, signal, nextCache } = options;
  const figures = progress.figures;
  const shipper = new PackShipper(options.destination, options.packPathPrefix, signal, (count) => {
    figures.sentBytes += count;
    progress.changed();
  });
  // Starts with its first request, inside the try below, whose end closes it.
  const thread = backupThread(options.keys);
  const sender = new ChunkSender(options.keys, new ChunkSealer(thread), options.destination, shipper, signal, (count) => {
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
  /** Adds `ids` to the reference list once the tree chunks its lines cut, if any, are queued: references follow tree order. */
  const referenceAfter = (treeChunks: Promise<void> | undefined, ids: readonly string[]): Promise<void> | undefined =>
    treeChunks ? treeChunks.then(() => addReferences(ids)) : addReferences(ids);
  /** Writes the entry's tree line and adds its chunks to the reference list. */
  const record = (entry: TreeEntry): Promise<void> | undefined => referenceAfter(tree.add(entry), entry.type === 'file' ? entry.chunks : []);
  /** Writes lines already encoded and adds the chunks they reference. */
  const recordLines = (lines: Buffer, ids: readonly string[]): Promise<void> | undefined => referenceAfter(tree.addLines(lines), ids);
  const bundledCache = new BundledCacheEntries(nextCache);
  const bundle = new SmallFileBundle((plaintext) => sender.addSealed(plaintext), { record, recordLines }, (id, files) => bundledCache.named(id, files === 1));

  const skipped: SkippedPath[] = [];
  const changed: SkippedPath[] = [];
  const chunker = new FastCdcChunker();
  const buffer = Buffer.allocUnsafe(readBufferBytes);
  const exclusion = new Exclusion(plan.excludes, plan.respectGitignore, (path, reason) => skipped.push({ path, reason }));
  let files = 0;
  let contentBytes = 0;

  const looker = new FileLooker(thread, smallFileBytes);
  try {
    for await (const group of lookedAtWalk(walkBatches(plan.name, plan.items, exclusion), options.cache, looker)) {
      for (const looked of group) {
        const { found } = looked;
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
            const { key, look, cached } = looked as LookedFile;
            const entryOf = (stored: { size: number; chunks: string[]; mtimeNs: bigint; mode: number; offset?: number }): TreeEntry & { type: 'file' } => {
              const entry: TreeEntry & { type: 'file' } = { type: 'file', path: found.archivePath, mode: stored.mode, mtimeMs: Number(stored.mtimeNs / 1_000_000n), size: stored.size, chunks: stored.chunks };
              if (stored.offset !== undefined) entry.offset = stored.offset;
              return entry;
            };
            if ('skipped' in look) {
              skipped.push({ path: displayName(found.sourcePath), reason: look.skipped });
              break;
            }
            let size: number;
            if ('unchanged' in look) {
              size = cached!.size;
              waiting = bundle.add(entryOf({ size, chunks: cached!.chunks, mtimeNs: cached!.mtimeNs, mode: look.mode, offset: cached!.offset }));
              nextCache.add(key, cached!);
              figures.unchangedFiles++;
              figures.unchangedBytes += size;
              figures.bytes += size;
            } else if ('content' in look) {
              const { stamp, content } = look;
              size = content.length;
              figures.currentPath = displayName(found.archivePath);
              figures.bytes += size;
              if (look.changed !== undefined) changed.push({ path: displayName(found.sourcePath), reason: look.changed });
              const entry = entryOf({ size, chunks: [], mtimeNs: stamp.mtimeNs, mode: look.mode });
              if (size === 0) {
                if (look.changed === undefined) nextCache.add(key, cachedFileOf(stamp, []));
                waiting = bundle.add(entry);
              } else {
                // Cached (if read whole and unchanged) in walk order, as the file cache's pages are cut by it: its
                // place is kept until the bundle is cut and names its chunk.
                if (look.changed === undefined) bundledCache.add(key, stamp, bundle.nextOffset);
                waiting = bundle.addFile(entry, content);
              }
            } else {
              const opening = await openRegularFile(found.sourcePath);
              if ('skipped' in opening) {
                skipped.push({ path: displayName(found.sourcePath), reason: opening.skipped });
                break;
              }
              figures.currentPath = displayName(found.archivePath);
              // readChunks closes the file, whatever happens.
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
              else nextCache.add(key, cachedFileOf(read.stamp, read.chunks));
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
    const staged = await nextCache.finish();
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
    return { commit, files, contentBytes, skipped: [...skipped, ...changed], nextCache: staged };
  } finally {
    // A batch still being sealed when the pass failed would add to a pack; let it end before the packs are removed.
    await sender.settle();
    // The walk has ended (its generator waits for every look), and so has sealing.
    await thread.close();
    await shipper.close();
    // After a failure, nothing of this pass's cache may be staged once the run has ended.
    await nextCache.stop();
  }
}
