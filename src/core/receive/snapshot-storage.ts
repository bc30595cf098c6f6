/**
 * The receiver's storage folder (layout in storage-folders.ts). Saving
 * follows restic's rest-server: reserve the space, stream to a temp file
 * while hashing and counting, check length and SHA-256, then publish it
 * (fsync, a link that fails rather than overwrite, folder fsync) and write
 * the signed receipt beside it.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { finished, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../errors';
import type { Identity } from '../identity/keys';
import { receiptSchema, type Receipt } from '../wire/receipt';
import { openStatement, signStatement, type SignedStatement } from '../wire/signing';
import { hashingMeter } from '../util/hashing-meter';
import { publishFile, writeNewFile } from '../util/publish-file';
import { isDiskFull } from './disk-full';
import { SpaceLedger } from './space-ledger';
import { archiveName, receiptName, scanSenderFolder, senderFolders } from './storage-folders';

/** Snapshot IDs are chosen by senders, so they are checked before touching the disk. */
export const snapshotIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface SaveRequest {
  sender: string;
  snapshotId: string;
  plan: string;
  /** The length the sender declared and signed. */
  length: number;
  sha256: string;
  quotaBytes: number;
  body: Readable;
  /** Called once the space is reserved, just before the body is read (the HTTP adapter asks for it then). */
  onAccepted?: () => void;
}

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
    private readonly now: () => number = Date.now,
    private readonly space = new SpaceLedger(),
  ) {}

  private get tempDir(): string {
    return join(this.dir, '.tmp');
  }

  /** Clears what a crash left behind and counts what each sender stores. */
  async init(): Promise<StorageCleanUp> {
    await mkdir(this.tempDir, { recursive: true, mode: 0o700 });
    const temps = await readdir(this.tempDir);
    await Promise.all(temps.map((name) => rm(join(this.tempDir, name), { force: true })));
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

  /**
   * Stores the body as `sender`'s snapshot and returns its signed receipt.
   * Refuses what does not fit before reading a byte of the body (UserError
   * 'quota-exceeded' or 'disk-full'), an ID taken by other content
   * ('conflict'), and a body that is not what was signed ('bad-input').
   */
  async save(request: SaveRequest): Promise<StoredSnapshot> {
    const existing = await this.find(request.sender, request.snapshotId);
    if (existing) {
      // A retry of an upload whose reply was lost gets the same receipt; anything else is refused.
      if (existing.receipt.sha256 === request.sha256 && existing.receipt.size === request.length) return existing;
      throw conflict(request.snapshotId);
    }
    const disk = await statfs(this.dir);
    const reservation = this.space.reserve({ ...request, freeDiskBytes: disk.bavail * disk.bsize, diskBytes: disk.blocks * disk.bsize });
    const temp = join(this.tempDir, `${randomBytes(12).toString('hex')}.part`);
    try {
      request.onAccepted?.();
      const sha256 = await this.receive(request, temp);
      if (sha256 !== request.sha256) {
        throw new UserError(`the body's SHA-256 is ${sha256}, not the ${request.sha256} that was signed; nothing was stored, send the snapshot again`);
      }
      const folder = join(this.dir, request.sender);
      await mkdir(folder, { recursive: true, mode: 0o700 });
      if ((await publishFile(temp, join(folder, archiveName(request.snapshotId)))) === 'exists') throw conflict(request.snapshotId);
      const receipt: Receipt = {
        version: 1,
        snapshotId: request.snapshotId,
        plan: request.plan,
        sender: request.sender,
        receiver: this.identity.peerId,
        size: request.length,
        sha256,
        storedAt: this.now(),
      };
      const signed = signStatement(this.identity, receipt);
      if ((await writeNewFile(join(folder, receiptName(request.snapshotId)), JSON.stringify(signed), 0o600)) === 'exists') throw conflict(request.snapshotId);
      reservation.commit();
      return { receipt, signed };
    } catch (err) {
      if (isDiskFull(err)) {
        throw new UserError(`the receiver's disk filled up while storing snapshot ${request.snapshotId}; nothing was stored, your teammate must free space`, { code: 'disk-full', cause: err });
      }
      throw err;
    } finally {
      reservation.release();
      await rm(temp, { force: true });
    }
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

  /** Streams the body into `temp` and returns its SHA-256; more bytes than declared are refused as they arrive. */
  private async receive(request: SaveRequest, temp: string): Promise<string> {
    const meter = hashingMeter({
      limit: { bytes: request.length, error: () => new UserError(`the body is longer than the ${request.length} bytes declared; nothing was stored`) },
    });
    // The body is piped, not put in the pipeline: a failed write must not destroy the request,
    // so that the HTTP adapter can still read the rest of the body and answer why.
    const written = pipeline(meter.stream, createWriteStream(temp, { flags: 'wx', mode: 0o600 }));
    const stopFollowing = finished(request.body, { writable: false }, (err) => {
      if (err) meter.stream.destroy(err);
    });
    request.body.pipe(meter.stream);
    try {
      await written;
    } catch (err) {
      request.body.unpipe(meter.stream);
      if (err instanceof UserError || isDiskFull(err)) throw err;
      if (meter.bytes() < request.length) throw brokeOff(request, meter.bytes(), err);
      throw err;
    } finally {
      stopFollowing();
    }
    if (meter.bytes() !== request.length) throw brokeOff(request, meter.bytes());
    return meter.sha256();
  }
}

function conflict(snapshotId: string): UserError {
  return new UserError(`snapshot ${snapshotId} already exists here with other content; it is never overwritten, so send it under a new snapshot ID`, { code: 'conflict' });
}

function damaged(what: string): UserError {
  return new UserError(`${what}; it cannot be restored from this teammate, restore another snapshot or back up again`, { code: 'damaged' });
}

function brokeOff(request: SaveRequest, received: number, cause?: unknown): UserError {
  return new UserError(`the body of ${request.snapshotId} ended after ${received} of ${request.length} bytes; nothing was stored, send it again`, {
    code: 'transfer-failed',
    cause,
  });
}
