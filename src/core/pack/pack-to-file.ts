/**
 * Packs a plan into an archive file, all or nothing: the archive is written
 * to a temporary file beside the destination, synced, and renamed into place
 * only when complete, so a failed or cancelled pack leaves no file behind.
 */
import { lstat, open, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../errors';
import type { Plan } from '../store';
import { publishFile, tempPathBeside } from '../util/publish-file';
import { packArchive, type PackProgress, type PackReport } from './pack-archive';

export interface PackToFileOptions {
  /** Replace an existing file at the destination. */
  force: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: PackProgress) => void;
}

export interface PackFileReport extends PackReport {
  file: string;
  /** Size of the compressed archive. */
  archiveBytes: number;
}

export async function packToFile(plan: Plan, outFile: string, options: PackToFileOptions): Promise<PackFileReport> {
  if (plan.items.length === 0) throw new UserError(`Plan "${plan.name}" has no paths to pack: designate files or folders for it first.`);
  const file = resolve(outFile);
  await refuseExisting(file, options.force);

  const temporary = tempPathBeside(file);
  let handle: FileHandle;
  try {
    handle = await open(temporary, 'wx', 0o644);
  } catch (err) {
    throw new UserError(`Cannot write into the folder ${dirname(file)} (${(err as NodeJS.ErrnoException).code}): choose an existing, writable folder for --out.`);
  }
  let published = false;
  try {
    const pack = packArchive({
      planName: plan.name,
      items: plan.items,
      excludes: plan.excludes,
      respectGitignore: plan.respectGitignore,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    try {
      // The write stream owns the handle and closes it, on success and on error alike.
      await pipeline(pack.stream, handle.createWriteStream());
    } catch (err) {
      await pack.result.catch(() => undefined);
      if (options.signal?.aborted) throw new UserError(`Packing plan "${plan.name}" was cancelled; ${file} was not written.`);
      if (err instanceof UserError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === undefined) throw err;
      throw new UserError(`Writing ${file} failed (${code}); it was not written. Free some space or choose another --out.`, { cause: err });
    }
    const report = await pack.result;
    const archiveBytes = (await stat(temporary)).size;
    if ((await publishFile(temporary, file, { replace: options.force })) === 'exists') {
      throw new UserError(`${file} appeared while packing: pass --force to replace it, or choose another --out.`, { code: 'conflict' });
    }
    published = true;
    return { ...report, file, archiveBytes };
  } finally {
    if (!published) await rm(temporary, { force: true });
  }
}

async function refuseExisting(file: string, force: boolean): Promise<void> {
  let stats;
  try {
    stats = await lstat(file);
  } catch {
    return;
  }
  if (stats.isDirectory()) throw new UserError(`${file} is a folder: give --out a file name, e.g. ${join(file, 'backup.tar.gz')}.`);
  if (!force) throw new UserError(`${file} already exists: pass --force to replace it, or choose another --out.`);
}
