/**
 * Looks at a backup's files on the backup's thread (backup-thread.ts, which
 * runs file-look.ts), a group at a time: whether each is unchanged since the
 * file cache's stamp (one lstat, the file not opened), and otherwise, for a
 * small regular file, its whole content, stamp and mode. So the calls of a
 * tree of small files, nearly all of a backup's time when little changed,
 * run beside the work of the backup's own thread instead of in it.
 */
import { errorReason, specialFileReason, type SpecialKind } from '../pack/skip-reasons';
import type { FileStamp } from '../store';
import type { RequestThread } from '../util/request-thread';
import { Outcome, outcomeColumns, stampColumns, type LookReply, type LookRequest } from './file-look';

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

  /** The group's looks; the content of its small files is in their `blocks`, for the caller to release once it is used. */
  async look(files: readonly FileToLook[]): Promise<GroupLooks> {
    if (files.length === 0) return new GroupLooks({ id: 0, outcomes: new Uint32Array(), stamps: new BigInt64Array(), notes: [], blocks: [] });
    // Paths in one buffer of their own: a path may be a view into a larger buffer, which would be copied whole.
    const paths = Buffer.allocUnsafeSlow(files.reduce((sum, file) => sum + file.path.length, 0));
    const pathEnds = new Uint32Array(files.length);
    const stamps = new BigInt64Array(files.length * stampColumns);
    let at = 0;
    files.forEach(({ path, stamp }, index) => {
      at += path.copy(paths, at);
      pathEnds[index] = at;
      stamps.set(stamp ? [BigInt(stamp.size), stamp.mtimeNs, stamp.ctimeNs, BigInt.asIntN(64, stamp.inode)] : [-1n, 0n, 0n, 0n], index * stampColumns);
    });
    const request: Omit<LookRequest, 'id'> = { kind: 'look', paths: paths.buffer, pathEnds, stamps, smallBytes: this.smallBytes };
    return new GroupLooks(await this.thread.request<LookReply>(request, [paths.buffer, pathEnds.buffer, stamps.buffer]));
  }
}

/** A group's looks as the thread sent them; each file's look is made when it is asked for. */
export class GroupLooks {
  private readonly notes: Map<number, string>;

  constructor(private readonly reply: LookReply) {
    this.notes = new Map(reply.notes);
  }

  get blocks(): readonly ArrayBuffer[] {
    return this.reply.blocks;
  }

  lookAt(index: number): FileLook {
    const { outcomes, stamps, blocks } = this.reply;
    const columns = index * outcomeColumns;
    const outcome = outcomes[columns] as Outcome;
    const mode = outcomes[columns + 1]!;
    switch (outcome) {
      case Outcome.unchanged:
        return { unchanged: true, mode };
      case Outcome.large:
        return { large: true };
      case Outcome.error:
        return { skipped: errorReason({ code: this.notes.get(index)! }) };
      case Outcome.special: {
        const kind = this.notes.get(index)!;
        return { skipped: kind === 'directory' ? errorReason({ code: 'EISDIR' }) : specialFileReason(kind as SpecialKind) };
      }
    }
    const length = outcomes[columns + 4]!;
    const at = index * stampColumns;
    const read = {
      stamp: { size: Number(stamps[at]), mtimeNs: stamps[at + 1]!, ctimeNs: stamps[at + 2]!, inode: BigInt.asUintN(64, stamps[at + 3]!) },
      mode,
      content: Buffer.from(blocks[outcomes[columns + 2]!]!, outcomes[columns + 3], length),
    };
    if (outcome === Outcome.readFailed) return { ...read, changed: `could not be read to the end (${this.notes.get(index)!}); the snapshot holds its first ${length} bytes` };
    if (outcome === Outcome.shrank) return { ...read, changed: `shrank while being read; the snapshot holds its first ${length} bytes` };
    if (outcome === Outcome.modified) return { ...read, changed: 'was modified while being read; the snapshot may mix old and new content' };
    return read;
  }
}
