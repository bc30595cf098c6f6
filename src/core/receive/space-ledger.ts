/**
 * What each sender stores and what uploads in flight (packs, manifests)
 * have been promised, so that parallel uploads cannot together overrun a
 * sender's quota or the disk. Checking and reserving is one synchronous step: nothing can slip in
 * between reading the totals and adding to them.
 */
import { UserError } from '../errors';
import { formatBytes } from '../human-format';

/** Free space kept back so a backup never fills the teammate's disk to the last byte; on a small disk, a twentieth of it. */
export const diskReserveBytes = 256 * 1024 * 1024;

export function diskReserveFor(diskBytes: number): number {
  return Math.min(diskReserveBytes, Math.floor(diskBytes / 20));
}

export interface SpaceRequest {
  sender: string;
  /** What it costs against the quota and takes on disk. */
  bytes: number;
  /** What is stored, for the refusal ("pack <id>"). */
  what: string;
  quotaBytes: number;
  /** Free bytes on the storage disk, measured just before. */
  freeDiskBytes: number;
  /** The storage disk's size. */
  diskBytes: number;
}

/** The quota refusal, with its figures, so the store can add which snapshots to forget (quota-proposal.ts). */
export class QuotaExceeded extends UserError {
  constructor(
    readonly figures: { quotaBytes: number; usedBytes: number; neededBytes: number },
    message: string,
    /** The sender's oldest snapshots whose forgetting would make room; unset when none would. */
    readonly forget?: { snapshotIds: string[]; freesBytes: number },
  ) {
    super(message, { code: 'quota-exceeded' });
  }
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

  /** True when the sender has anything stored here. */
  holdsAnythingFor(sender: string): boolean {
    return this.usedBy(sender) > 0;
  }

  /** Counts bytes found on disk as the sender's (at open), or frees them again (negative, once deleted). */
  charge(sender: string, bytes: number): void {
    this.add(this.used, sender, bytes);
  }

  /** Refuses what cannot fit (the sender's quota, then the disk) and otherwise reserves its bytes. */
  reserve({ sender, bytes, what, quotaBytes, freeDiskBytes, diskBytes }: SpaceRequest): Reservation {
    const committed = this.usedBy(sender) + (this.reserved.get(sender) ?? 0);
    if (committed + bytes > quotaBytes) {
      throw new QuotaExceeded(
        { quotaBytes, usedBytes: committed, neededBytes: committed + bytes - quotaBytes },
        `${what} (${bytes} bytes) does not fit the space granted to ${sender}: ${committed} of ${quotaBytes} bytes are used; ask your teammate for a larger quota or delete old snapshots`,
      );
    }
    const free = freeDiskBytes - this.inFlight;
    const spare = diskReserveFor(diskBytes);
    if (bytes + spare > free) {
      throw new UserError(
        `the receiver's disk has ${formatBytes(Math.max(free, 0))} free and keeps ${formatBytes(spare)} of it spare, too little for ${formatBytes(bytes)} more; your teammate must free space`,
        { code: 'disk-full' },
      );
    }
    this.add(this.reserved, sender, bytes);
    this.inFlight += bytes;
    let settled = false;
    const release = () => {
      if (settled) return;
      settled = true;
      this.add(this.reserved, sender, -bytes);
      this.inFlight -= bytes;
    };
    return {
      commit: () => {
        if (settled) return;
        release();
        this.add(this.used, sender, bytes);
      },
      release,
    };
  }

  private add(totals: Map<string, number>, sender: string, bytes: number): void {
    totals.set(sender, (totals.get(sender) ?? 0) + bytes);
  }
}
