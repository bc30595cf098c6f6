/** Every entry below a folder, with what a restore must keep (type, mode, mtime, content hash or link target), for comparing two trees. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

export interface ListingOptions {
  /** mtimes are compared to this many milliseconds (1000 for an archive format that keeps seconds). */
  mtimeResolutionMs?: number;
  /** Leave folders' mtimes out (a tool that sets them differently). */
  skipFolderMtimes?: boolean;
}

/** One line per entry, sorted: path (bytes in hex where not printable ASCII), type, mode, mtime and content. */
export async function listTree(root: string, options: ListingOptions = {}): Promise<string[]> {
  const resolution = options.mtimeResolutionMs ?? 1;
  const lines: string[] = [];
  const visit = async (path: Buffer, relative: Buffer): Promise<void> => {
    for (const name of (await readdir(path, { encoding: 'buffer' })).sort(Buffer.compare)) {
      const full = Buffer.concat([path, Buffer.from('/'), name]);
      const rel = relative.length === 0 ? name : Buffer.concat([relative, Buffer.from('/'), name]);
      const stats = await lstat(full);
      const mtime = Math.floor(Math.trunc(stats.mtimeMs) / resolution);
      const shown = /^[\x20-\x7e]*$/.test(rel.toString('latin1')) ? rel.toString('latin1') : `hex:${rel.toString('hex')}`;
      const mode = (stats.mode & 0o777).toString(8);
      if (stats.isDirectory()) {
        lines.push(`${shown} d ${mode} ${options.skipFolderMtimes ? '-' : mtime}`);
        await visit(full, rel);
      } else if (stats.isSymbolicLink()) {
        lines.push(`${shown} l ${mtime} -> ${(await readlink(full, { encoding: 'buffer' })).toString('hex')}`);
      } else {
        const hash = createHash('sha256');
        await pipeline(createReadStream(full), hash);
        lines.push(`${shown} f ${mode} ${mtime} ${stats.size} ${hash.digest('hex')}`);
      }
    }
  };
  await visit(Buffer.from(root), Buffer.alloc(0));
  return lines;
}
