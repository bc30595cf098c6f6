/**
 * Keeps a restore from filling the disk it writes to: before each entry is
 * written, its size (plus a block for its metadata) is claimed against the
 * space the file system reports free, less a reserve. A snapshot that does
 * not fit is refused before the entry that would not fit, not by ENOSPC
 * part way through with the disk full for every other program.
 *
 * The reserve is 5% of the file system or 1 GiB, whichever is smaller: a
 * fixed GiB would refuse restores onto a small disk that fit comfortably,
 * and 5% of a large disk holds back far more than the system needs to keep
 * working (the editor, databases' journals, logs) while the restore runs.
 *
 * The file system is asked again once the claims since the last answer pass
 * `recheckBytes`, or when a claim does not fit what it said: other programs
 * write to the same disk meanwhile.
 */
import { statfs } from 'node:fs/promises';
import { UserError } from '../errors';
import { formatBytes } from '../human-format';

/** The fields of fs.statfs this needs; tests give their own. */
export type StatFs = (path: string) => Promise<{ bavail: number; bsize: number; blocks: number }>;

/** What an entry costs besides its content: its inode and folder entry, counted as one block. */
export const entryOverheadBytes = 4096;
const maxReserveBytes = 1024 ** 3;
const reserveShare = 0.05;
const recheckBytes = 64 * 1024 * 1024;

export function reserveFor(fileSystemBytes: number): number {
  return Math.min(Math.floor(fileSystemBytes * reserveShare), maxReserveBytes);
}

export class FreeSpaceGuard {
  /** Bytes that may still be claimed before the file system is asked again. */
  private budget = 0;
  private claimedSinceCheck = 0;
  private checked = false;
  private lastCheck = { free: 0, reserve: 0 };

  /** `folder`: where the entries are written; `target`: the folder named in messages. */
  constructor(
    private readonly folder: string,
    private readonly target: string,
    private readonly statFs: StatFs = statfs,
  ) {}

  /** Claims room for `bytes` more, or refuses (UserError 'disk-full') naming `what` needs them. */
  async claim(bytes: number, what: string): Promise<void> {
    if (!this.checked || bytes > this.budget || this.claimedSinceCheck + bytes > recheckBytes) await this.check();
    if (bytes > this.budget) {
      const { free, reserve } = this.lastCheck;
      throw new UserError(
        `Not enough free space to restore into ${this.target}: ${what} needs ${formatBytes(bytes)}, but only ${formatBytes(Math.max(free - reserve, 0))} of the ${formatBytes(free)} free there may be used ` +
          `(${formatBytes(reserve)} are kept free for the system). Nothing was written: free space on that disk, or restore into a folder on another disk.`,
        { code: 'disk-full' },
      );
    }
    this.budget -= bytes;
    this.claimedSinceCheck += bytes;
  }

  /** Claims `bytes` from what the file system's last answer left, if it may without asking again; false when it must (then call claim). */
  claimAtOnce(bytes: number): boolean {
    if (!this.checked || bytes > this.budget || this.claimedSinceCheck + bytes > recheckBytes) return false;
    this.budget -= bytes;
    this.claimedSinceCheck += bytes;
    return true;
  }

  private async check(): Promise<void> {
    const stats = await this.statFs(this.folder);
    const free = stats.bavail * stats.bsize;
    const reserve = reserveFor(stats.blocks * stats.bsize);
    this.lastCheck = { free, reserve };
    this.budget = free - reserve;
    this.claimedSinceCheck = 0;
    this.checked = true;
  }
}
