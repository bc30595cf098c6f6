/**
 * Looks at a backup's files on the backup's thread (backup-thread.ts, which
 * runs file-look.ts), a group at a time: whether each is unchanged since the
 * file cache's stamp (one lstat, the file not opened), and otherwise, for a
 * small regular file, its whole content, stamp and mode. So the calls of a
 * tree of small files, nearly all of a backup's time when little changed,
 * run beside the work of the backup's own thread instead of in it.
 */
import { errorReason, specialFileReason } from '../pack/skip-reasons';
import type { FileStamp } from '../store';
import type { RequestThread } from '../util/request-thread';
import type { LookReply, LookRequest, RawLook } from './file-look';

export type FileLook =
  /** The file cache's stamp still holds: the file was not opened. */
  | { unchanged: true; mode: number }
  | { skipped: string }
  /** A regular file of at least the group's small size: the caller reads it through the chunker. */
  | { large: true }
  /** `content` is what was read; `changed` says why it may not be the whole file, or not one version of it. */
  | { stamp: FileStamp; mode: number; content: Buffer; changed?: string };

export interface FileToLook {
  path: Buffer;
  /** The file cache's stamp for it, if any. */
  stamp: FileStamp | undefined;
}

export class FileLooker {
  /** `smallBytes`: files under this size are read whole. The caller closes `thread`. */
  constructor(
    private readonly thread: RequestThread,
    private readonly smallBytes: number,
  ) {}

  /** One look per file; the content of small files is in `blocks`, for the caller to release once it is used. */
  async look(files: readonly FileToLook[]): Promise<{ looks: FileLook[]; blocks: ArrayBuffer[] }> {
    if (files.length === 0) return { looks: [], blocks: [] };
    // Paths in one buffer of their own: a path may be a view into a larger buffer, which would be copied whole.
    const paths = Buffer.allocUnsafeSlow(files.reduce((sum, file) => sum + file.path.length, 0));
    const layout: number[] = [];
    let at = 0;
    for (const { path } of files) {
      layout.push(at, path.length);
      at += path.copy(paths, at);
    }
    const stamps = files.map(({ stamp }) => stamp ?? null);
    const request: Omit<LookRequest, 'id'> = { kind: 'look', paths: paths.buffer, layout, stamps, smallBytes: this.smallBytes };
    const reply = await this.thread.request<LookReply>(request, [paths.buffer]);
    return { looks: reply.looks.map((look) => lookOf(look, reply.blocks)), blocks: reply.blocks };
  }
}

function lookOf(look: RawLook, blocks: readonly ArrayBuffer[]): FileLook {
  if ('unchanged' in look || 'large' in look) return look;
  if ('error' in look) return { skipped: errorReason({ code: look.error }) };
  if ('special' in look) return { skipped: look.special === 'directory' ? errorReason({ code: 'EISDIR' }) : specialFileReason(look.special) };
  const content = Buffer.from(blocks[look.block]!, look.start, look.length);
  const read = { stamp: look.stamp, mode: look.mode, content };
  if (look.readError !== undefined) return { ...read, changed: `could not be read to the end (${look.readError}); the snapshot holds its first ${look.length} bytes` };
  if (look.shrank) return { ...read, changed: `shrank while being read; the snapshot holds its first ${look.length} bytes` };
  if (look.modified) return { ...read, changed: 'was modified while being read; the snapshot may mix old and new content' };
  return read;
}
