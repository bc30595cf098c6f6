/**
 * What each sender stores and what uploads in flight have been promised, so
 * that parallel uploads cannot together overrun a sender's quota or the
 * disk. Checking and reserving is one synchronous step: nothing can slip in
 * between reading the totals and adding to them.
 */
import { UserError } from '../errors';
import { formatBytes } from '../human-format';
import { snapshotCharge } from './snapshot-charge';

/** Free space kept back so a backup never fills the teammate's disk to the last byte; on a small disk, a twentieth of it. */
export const diskReserveBytes = 256 * 1024 * 1024;

export function diskReserveFor(diskBytes: number): number {
  return Math.min(diskReserveBytes, Math.floor(diskBytes / 20));
}

export interface SpaceRequest {
  sender: string;
  length: number;
  quotaBytes: number;
  /** Free bytes on the storage disk, measured just before. */
  freeDiskBytes: number;
  /** The storage disk's size. */
  diskBytes: number;
  /** What it costs against the quota when that is not a snapshot's (snapshotCharge of `length`): a pack costs its bytes. */
  charge?: number;
  /** What is stored, for the refusal ("pack <id>"), when it is not a snapshot. */
  what?: string;
}

export interface Reservation {
  /** The upload is stored: its bytes now count as the sender's. */
  commit(): void;
  /** The upload failed: its bytes are free again. Does nothing after commit(). */
  release(): void;
}

export class SpaceLedger {
  private readonly used = new Map<string, number>();
  private readonly reserved = new Map<string, number>();
  /** Bytes promised to all uploads in flight; part of them may already be on disk, which errs on the safe side. */
  private inFlight = 0;

  reset(usage: Map<string, number>): void {
    this.used.clear();
    for (const [sender, bytes] of usage) this.used.set(sender, bytes);
  }

  usedBy(sender: string): number {
    return this.used.get(sender) ?? 0;
  }

  /** True when the sender has snapshots stored here. */
  holdsAnythingFor(sender: string): boolean {
    return this.usedBy(sender) > 0;
  }

  /** Counts bytes found on disk as the sender's (at open), or frees them again (negative, once deleted). */
  charge(sender: string, bytes: number): void {
    this.add(this.used, sender, bytes);
  }

  /** Refuses what cannot fit (the sender's quota, then the disk) and otherwise reserves the snapshot's charge. */
  reserve({ sender, length: archiveBytes, quotaBytes, freeDiskBytes, diskBytes, charge, what }: SpaceRequest): Reservation {
    const length = charge ?? snapshotCharge(archiveBytes);
    const committed = this.usedBy(sender) + (this.reserved.get(sender) ?? 0);
    if (committed + length > quotaBytes) {
      const stored = charge === undefined ? `this snapshot (${archiveBytes} bytes, ${length} with its receipt)` : `${what ?? 'this upload'} (${length} bytes)`;
      throw new UserError(
        `${stored} does not fit the space granted to ${sender}: ${committed} of ${quotaBytes} bytes are used; ask your teammate for a larger quota or delete old snapshots`,
        { code: 'quota-exceeded' },
      );
    }
    const free = freeDiskBytes - this.inFlight;
    const spare = diskReserveFor(diskBytes);
    if (length + spare > free) {
      throw new UserError(
        `the receiver's disk has ${formatBytes(Math.max(free, 0))} free and keeps ${formatBytes(spare)} of it spare, too little for ${formatBytes(length)} more; your teammate must free space`,
        { code: 'disk-full' },
      );
    }
    this.add(this.reserved, sender, length);
    this.inFlight += length;
    let settled = false;
    const release = () => {
      if (settled) return;
      settled = true;
      this.add(this.reserved, sender, -length);
      this.inFlight -= length;
    };
    return {
      commit: () => {
        if (settled) return;
        release();
        this.add(this.used, sender, length);
      },
      release,
    };
  }

  private add(totals: Map<string, number>, sender: string, bytes: number): void {
    totals.set(sender, (totals.get(sender) ?? 0) + bytes);
  }
}
