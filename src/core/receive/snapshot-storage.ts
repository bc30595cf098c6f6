/**
 * The archive snapshots (format 1) Peer Backup 0.1 stored in the receiver's
 * storage folder (layout in storage-folders.ts): listed, found and served
 * back for restores, and counted against their senders' quotas. No sender
 * makes them any more; the chunked store (chunk-store/) takes new backups.
 */
import { open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { UserError } from '../errors';
import type { Identity } from '../identity/keys';
import { receiptSchema, type Receipt } from '../wire/receipt';
import { openStatement, type SignedStatement } from '../wire/signing';
import { SpaceLedger } from './space-ledger';
import { archiveName, receiptName, scanSenderFolder, senderFolders } from './storage-folders';

/** Snapshot IDs are chosen by senders, so they are checked before touching the disk. */
export const snapshotIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface StoredSnapshot {
  receipt: Receipt;
  signed: SignedStatement;
}

export interface StorageCleanUp {
  removedTempFiles: number;
  removedUnreceipted: number;
  removedOrphanReceipts: number;
}

export class SnapshotStorage {
  /** `space` is shared with the chunked store, so one quota covers both formats. */
  constructor(
    readonly dir: string,
    private readonly identity: Identity,
    private readonly space = new SpaceLedger(),
  ) {}

  /** Where 0.1 received uploads; nothing is written there any more. */
  private get tempDir(): string {
    return join(this.dir, '.tmp');
  }

  /** Clears what a crash of 0.1 left behind and counts what each sender stores. */
  async init(): Promise<StorageCleanUp> {
    const temps = await readdir(this.tempDir).catch(noFolder);
    await rm(this.tempDir, { recursive: true, force: true });
    let removedUnreceipted = 0;
    let removedOrphanReceipts = 0;
    const usage = new Map<string, number>();
    for (const sender of await senderFolders(this.dir)) {
      const folder = join(this.dir, sender);
      const scan = await scanSenderFolder(folder);
      // Linked into place but never receipted: the sender was not told it is stored, and will send again.
      // A receipt whose archive was deleted names a snapshot that is gone: it must neither be listed nor charged.
      await Promise.all(scan.leftovers.map((name) => rm(join(folder, name), { force: true })));
      removedUnreceipted += scan.leftovers.filter((name) => name.endsWith('.tar.gz')).length;
      removedOrphanReceipts += scan.leftovers.filter((name) => name.endsWith('.receipt.json')).length;
      usage.set(sender, scan.chargedBytes);
    }
    this.space.reset(usage);
    return { removedTempFiles: temps.length, removedUnreceipted, removedOrphanReceipts };
  }

  /** The quota the sender's snapshots are charged (snapshotCharge). */
  usedBy(sender: string): number {
    return this.space.usedBy(sender);
  }

  /** True when the sender has snapshots stored here. */
  holdsAnythingFor(sender: string): boolean {
    return this.space.holdsAnythingFor(sender);
  }

  /** The sender's snapshots, oldest first. */
  async list(sender: string): Promise<StoredSnapshot[]> {
    let names: string[];
    try {
      names = await readdir(join(this.dir, sender));
    } catch {
      return [];
    }
    const ids = names.filter((name) => name.endsWith('.receipt.json')).map((name) => name.slice(0, -'.receipt.json'.length));
    const found = await Promise.all(ids.map((id) => this.find(sender, id)));
    return found.filter((snapshot): snapshot is StoredSnapshot => snapshot !== undefined).sort((a, b) => a.receipt.storedAt - b.receipt.storedAt);
  }

  /** The snapshot if it is stored with a receipt this receiver signed. */
  async find(sender: string, snapshotId: string): Promise<StoredSnapshot | undefined> {
    if (!snapshotIdPattern.test(snapshotId)) return undefined;
    let signed: SignedStatement;
    try {
      signed = JSON.parse(await readFile(join(this.dir, sender, receiptName(snapshotId)), 'utf8')) as SignedStatement;
    } catch {
      return undefined;
    }
    const parsed = receiptSchema.safeParse(openStatement(signed, this.identity.publicKey));
    return parsed.success ? { receipt: parsed.data, signed } : undefined;
  }

  /**
   * The snapshot's archive, opened and checked against its receipt before a
   * byte is sent; UserError 'damaged' when it is gone or not the size the
   * receipt promises (its owner deleted or cut it).
   */
  async openArchive(snapshot: StoredSnapshot): Promise<Readable> {
    const { sender, snapshotId, size } = snapshot.receipt;
    let handle;
    try {
      handle = await open(join(this.dir, sender, archiveName(snapshotId)), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw damaged(`the archive of snapshot ${snapshotId} is missing from this receiver's storage`);
      throw err;
    }
    const onDisk = (await handle.stat()).size;
    if (onDisk !== size) {
      await handle.close();
      throw damaged(`the archive of snapshot ${snapshotId} on this receiver is ${onDisk} bytes, not the ${size} bytes of its receipt`);
    }
    return handle.createReadStream();
  }
}

/** No entries for a folder that is not there. */
function noFolder(err: NodeJS.ErrnoException): string[] {
  if (err.code === 'ENOENT') return [];
  throw err;
}

function damaged(what: string): UserError {
  return new UserError(`${what}; it cannot be restored from this teammate, restore another snapshot or back up again`, { code: 'damaged' });
}
