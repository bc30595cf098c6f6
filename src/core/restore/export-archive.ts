/**
 * Exports a snapshot (all of it, one folder or one file) as a gzip'd tar file
 * that GNU tar reads, all or nothing: the archive is written to a temporary
 * file beside the destination and published under its name (publish-file.ts)
 * only once every entry was read, opened and written, so a damaged snapshot,
 * a full disk or a cancel leaves no file behind.
 */
import { lstat, open, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as createTarPack } from 'tar-stream';
import { UserError } from '../errors';
import { printable } from '../printable';
import { publishFile, tempPathBeside } from '../util/publish-file';
import type { ReadableSnapshot } from './readable-snapshot';
import { restoreEntries, type EntryCounts } from './restore-entries';
import type { Selection } from './selection';
import { TarWriter } from './tar-writer';

export interface ExportOptions {
  /** Replace an existing file at the destination. */
  overwrite: boolean;
  /** An archive path (bytes) to export alone, with everything under it; the whole snapshot when absent. */
  only?: Selection;
  signal?: AbortSignal;
}

export interface ExportReport extends EntryCounts {
  file: string;
  /** The size of the compressed archive. */
  archiveBytes: number;
}

export async function exportArchive(snapshot: ReadableSnapshot, outFile: string, options: ExportOptions): Promise<ExportReport> {
  const file = resolve(outFile);
  await refuseExisting(file, options.overwrite);
  const temporary = tempPathBeside(file);
  let handle: FileHandle;
  try {
    handle = await open(temporary, 'wx', 0o644);
  } catch (err) {
    throw new UserError(`Cannot write into the folder ${dirname(file)} (${(err as NodeJS.ErrnoException).code}): choose an existing, writable folder for the archive.`);
  }
  let published = false;
  try {
    const counts = await writeArchive(snapshot, handle, options);
    const archiveBytes = (await stat(temporary)).size;
    if ((await publishFile(temporary, file, { replace: options.overwrite })) === 'exists') {
      throw new UserError(`${file} appeared while exporting: choose to replace it, or another file name.`, { code: 'conflict' });
    }
    published = true;
    return { ...counts, file, archiveBytes };
  } finally {
    if (!published) await rm(temporary, { force: true });
  }
}

/** Streams the entries through tar and gzip into `handle`, which the write stream closes. */
async function writeArchive(snapshot: ReadableSnapshot, handle: FileHandle, options: ExportOptions): Promise<EntryCounts> {
  const tarStream = createTarPack();
  const stop = new AbortController();
  const stopWithCallersReason = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', stopWithCallersReason, { once: true });
  const gzip = createGzip();
  const writing = pipeline(tarStream, gzip, handle.createWriteStream());
  // A failed write must also stop the entries waiting for it to drain.
  writing.catch((err: unknown) => stop.abort(err));
  try {
    const counts = await restoreEntries(snapshot, options.only, new TarWriter(tarStream, gzip, stop.signal), stop.signal);
    tarStream.finalize();
    await writing;
    return counts;
  } catch (err) {
    tarStream.destroy(err as Error);
    await writing.catch(() => undefined);
    if (options.signal?.aborted) throw options.signal.reason;
    throw writeFailure(err, snapshot.manifest.snapshotId);
  } finally {
    options.signal?.removeEventListener('abort', stopWithCallersReason);
  }
}

function writeFailure(err: unknown, snapshotId: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (err instanceof UserError || code === undefined) return err;
  return new UserError(`Writing the export of snapshot ${printable(snapshotId)} failed (${code}); nothing was written. Free some space or choose another file.`, { cause: err });
}

async function refuseExisting(file: string, overwrite: boolean): Promise<void> {
  let stats;
  try {
    stats = await lstat(file);
  } catch {
    return;
  }
  if (stats.isDirectory()) throw new UserError(`${file} is a folder: give the export a file name, e.g. ${join(file, 'snapshot.tar.gz')}.`);
  if (!overwrite) throw new UserError(`${file} already exists: choose to replace it, or another file name.`, { code: 'conflict' });
}
