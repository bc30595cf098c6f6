/**
 * Packs a plan's designated paths into a gzip'd tar stream, fully streaming:
 * whatever the size of the files, the content in memory is bounded (the first
 * chunk of each file read ahead, plus about 1 MB between the stages), and the
 * consumer of `stream` sets the pace. The manifest (every entry with its
 * SHA-256, and what was skipped) is the archive's last entry.
 *
 * Memory that does grow with the tree: one manifest entry per path (about
 * 200 bytes), since the manifest is written at the end.
 */
import { once } from 'node:events';
import { pipeline, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import { pack as createTarPack, type Pack } from 'tar-stream';
import type { PlanItem, SkippedPath } from '../store';
import { Exclusion } from './exclusion';
import { openSourceFile, writeFileEntry, type OpenedFile } from './file-entry';
import { displayName } from './byte-names';
import { manifestArchivePath, manifestFormat, manifestPath, manifestTarget, type Manifest, type ManifestEntry } from './manifest';
import { readAhead } from './read-ahead';
import { walkItems, type FoundEntry } from './source-walk';
import { addEntry } from './tar-entry';
import { Coalesce } from './coalesce';

/**
 * How far reading may run ahead of compression. Large enough that
 * opening and reading the next files overlaps with gzip's work on the last.
 */
const bufferSize = 1 << 20;
/** A header, plus a pax header for a long or non-ASCII name. */
const largestHeaderSize = 1536;
/** Files opened ahead of the one being written: at most this many descriptors and first chunks at once. */
const filesAhead = 16;
const slash = Buffer.from('/');

export interface PackOptions {
  planName: string;
  items: readonly PlanItem[];
  /** gitignore-syntax patterns, matched against paths inside each designated folder. */
  excludes: readonly string[];
  respectGitignore: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: PackProgress) => void;
}

export interface PackProgress {
  /** Files stored so far. */
  files: number;
  /** File content bytes read so far. */
  bytes: number;
  /** Archive path of the file being read. */
  currentPath: string;
}

export interface PackReport {
  files: number;
  directories: number;
  symlinks: number;
  /** File content bytes (before compression). */
  bytes: number;
  skipped: SkippedPath[];
  changed: SkippedPath[];
  manifest: Manifest;
}

export interface PackHandle {
  /** The gzip'd tar bytes. Read it to the end, or destroy it to cancel. */
  stream: Readable;
  /** Resolves once the whole archive has been read from `stream`; rejects if packing failed or was cancelled. */
  result: Promise<PackReport>;
}

export function packArchive(options: PackOptions): PackHandle {
  const tarStream = createTarPack({ highWaterMark: bufferSize });
  const gzip = createGzip({ chunkSize: 64 * 1024 });
  const coalesce = new Coalesce(64 * 1024);
  tarStream.pipe(coalesce);
  // Failures reach the caller through `result` and an error on `gzip`; the inner stages need no listener of their own.
  tarStream.on('error', () => undefined);
  pipeline(coalesce, gzip, () => undefined);

  // One switch for every way a pack can stop early: the caller's signal, or the consumer destroying the stream.
  const stop = new AbortController();
  const stopWithCallersReason = () => stop.abort(options.signal?.reason);
  if (options.signal?.aborted) stopWithCallersReason();
  else options.signal?.addEventListener('abort', stopWithCallersReason, { once: true });
  gzip.once('close', () => {
    if (!gzip.readableEnded) stop.abort(new Error('The archive stream was closed before the archive was complete.'));
  });
  stop.signal.addEventListener('abort', () => {
    tarStream.destroy(stop.signal.reason as Error);
    gzip.destroy(stop.signal.reason as Error);
  });

  const result = writeArchive(tarStream, gzip, options, stop.signal)
    .catch((err: unknown) => {
      const reason = stop.signal.aborted ? stop.signal.reason : err;
      tarStream.destroy(reason as Error);
      gzip.destroy(reason as Error);
      throw reason;
    })
    .finally(() => options.signal?.removeEventListener('abort', stopWithCallersReason));
  // Callers usually await the stream's pipeline first; a failure must not count as unhandled before they await result.
  result.catch(() => undefined);
  return { stream: gzip, result };
}

async function writeArchive(tarStream: Pack, gzip: Gzip, options: PackOptions, signal: AbortSignal): Promise<PackReport> {
  const counts = { files: 0, directories: 0, symlinks: 0, bytes: 0 };
  const entries: ManifestEntry[] = [];
  const skipped: SkippedPath[] = [];
  const changed: SkippedPath[] = [];
  let headerBacklog = 0;
  const exclusion = new Exclusion(options.excludes, options.respectGitignore, (path, reason) => skipped.push({ path, reason }));

  // Every file opened ahead is tracked, so none stays open whatever ends the pack.
  const openFiles = new Set<OpenedFile>();
  const prepare = (found: FoundEntry) => {
    if (found.kind !== 'file') return undefined;
    return openSourceFile(found.sourcePath).then((opening) => {
      if ('opened' in opening) openFiles.add(opening.opened);
      return opening;
    });
  };
  try {
    for await (const { item: found, prepared } of readAhead(walkItems(options.planName, options.items, exclusion), filesAhead, prepare)) {
      signal.throwIfAborted();
      // File content waits for the reader inside tar-stream, but headers are pushed without backpressure: after a
      // long run of header-only entries (folders, symlinks, empty files), wait for the compressor to catch up.
      if (headerBacklog > bufferSize && gzip.writableNeedDrain) {
        await once(gzip, 'drain', { signal });
        headerBacklog = 0;
      }
      headerBacklog += largestHeaderSize;
      switch (found.kind) {
        case 'directory': {
          const mode = found.stats.mode & 0o7777;
          await addEntry(tarStream, { name: Buffer.concat([found.archivePath, slash]), type: 'directory', mode, mtime: found.stats.mtime });
          entries.push({ type: 'directory', ...manifestPath(found.archivePath), size: 0, mode, mtime: Math.floor(found.stats.mtimeMs) });
          counts.directories++;
          break;
        }
        case 'symlink': {
          const mode = found.stats.mode & 0o7777;
          await addEntry(tarStream, { name: found.archivePath, type: 'symlink', linkname: found.target, mode, mtime: found.stats.mtime });
          entries.push({ type: 'symlink', ...manifestPath(found.archivePath), size: 0, mode, mtime: Math.floor(found.stats.mtimeMs), ...manifestTarget(found.target) });
          counts.symlinks++;
          break;
        }
        case 'file': {
          const opening = await prepared!;
          if ('skipped' in opening) {
            skipped.push({ path: displayName(found.sourcePath), reason: opening.skipped });
            break;
          }
          openFiles.delete(opening.opened); // writeFileEntry closes it, whatever happens
          const currentPath = displayName(found.archivePath);
          const outcome = await writeFileEntry(tarStream, opening.opened, found.archivePath, signal, (bytes) => {
            counts.bytes += bytes;
            options.onProgress?.({ files: counts.files, bytes: counts.bytes, currentPath });
          });
          entries.push(outcome.stored);
          if (outcome.stored.size > 0) headerBacklog = 0;
          if (outcome.changed !== undefined) changed.push({ path: displayName(found.sourcePath), reason: outcome.changed });
          counts.files++;
          options.onProgress?.({ files: counts.files, bytes: counts.bytes, currentPath });
          break;
        }
        case 'skipped':
          skipped.push({ path: displayName(found.sourcePath), reason: found.reason });
          break;
      }
    }
  } finally {
    await Promise.all([...openFiles].map((file) => file.handle.close()));
  }

  const createdAt = new Date();
  const manifest: Manifest = { format: manifestFormat, createdAt: createdAt.toISOString(), plan: options.planName, entries, skipped, changed };
  await addEntry(tarStream, { name: Buffer.from(manifestArchivePath), type: 'file', mode: 0o644, mtime: createdAt }, Buffer.from(JSON.stringify(manifest)));
  tarStream.finalize();
  await finished(gzip);
  return { ...counts, skipped, changed, manifest };
}
