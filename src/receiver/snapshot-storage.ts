/**
 * The receiver's storage folder: one folder per sender, each snapshot an
 * archive `<id>.tar.gz` beside its signed receipt `<id>.receipt.json`.
 * A snapshot exists only once both are in place, so the folder alone says
 * what is stored (a lost database can be rebuilt from it).
 *
 * Saving follows restic's rest-server: stream to a temp file while hashing
 * and counting, check length and SHA-256, fsync, link into place (link fails
 * rather than overwrite), fsync the folder.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rm, stat, statfs, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Identity } from '../core/identity/keys';
import { openStatement, signStatement, type SignedStatement } from '../core/transfer/signing';
import { receiptSchema, type Receipt } from '../core/transfer/receipt';

/** Snapshot IDs are chosen by senders, so they are checked before touching the disk. */
export const snapshotIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Free space kept back so a backup never fills the teammate's disk to the last byte. */
const diskReserveBytes = 256 * 1024 * 1024;

export type SaveFailure =
  | { kind: 'quota'; message: string }
  | { kind: 'disk-full'; message: string }
  | { kind: 'conflict'; message: string }
  | { kind: 'bad-body'; message: string };

export class SaveError extends Error {
  constructor(readonly failure: SaveFailure) {
    super(failure.message);
  }
}

export interface SaveRequest {
  sender: string;
  snapshotId: string;
  plan: string;
  length: number;
  sha256: string;
  quotaBytes: number;
  body: Readable;
}

export interface StoredSnapshot {
  receipt: Receipt;
  signed: SignedStatement;
}

export class SnapshotStorage {
  private readonly used = new Map<string, number>();
  /** Bytes promised to uploads in flight, so two parallel uploads cannot both fit the last gigabyte. */
  private readonly reserved = new Map<string, number>();

  constructor(
    readonly dir: string,
    private readonly identity: Identity,
    private readonly now: () => number = Date.now,
  ) {}

  private get tempDir(): string {
    return join(this.dir, '.tmp');
  }

  /** Clears what a crash left behind and counts what each sender stores. */
  async init(): Promise<{ removedTempFiles: number; removedUnreceipted: number }> {
    await mkdir(this.tempDir, { recursive: true, mode: 0o700 });
    const temps = await readdir(this.tempDir);
    await Promise.all(temps.map((name) => rm(join(this.tempDir, name), { force: true })));
    let removedUnreceipted = 0;
    this.used.clear();
    for (const sender of await senderFolders(this.dir)) {
      const folder = join(this.dir, sender);
      const scan = await scanSenderFolder(folder);
      // Linked into place but never receipted: the sender was not told it is stored, and will send again.
      for (const name of scan.unreceipted) await unlink(join(folder, name));
      removedUnreceipted += scan.unreceipted.length;
      this.used.set(sender, scan.receiptedBytes);
    }
    return { removedTempFiles: temps.length, removedUnreceipted };
  }

  usedBy(sender: string): number {
    return this.used.get(sender) ?? 0;
  }

  /** Refuses up front what cannot fit: the sender's quota, or the disk's free space. */
  private async checkRoom(sender: string, length: number, quotaBytes: number): Promise<SaveFailure | undefined> {
    const committed = this.usedBy(sender) + (this.reserved.get(sender) ?? 0);
    if (committed + length > quotaBytes) {
      return {
        kind: 'quota',
        message: `this snapshot (${length} bytes) does not fit the space granted to ${sender}: ${committed} of ${quotaBytes} bytes are used; ask your teammate for a larger quota or delete old snapshots`,
      };
    }
    const disk = await statfs(this.dir);
    const free = disk.bavail * disk.bsize;
    if (length + diskReserveBytes > free) {
      return { kind: 'disk-full', message: `the receiver's disk has ${free} bytes free, too little for ${length} more; your teammate must free space` };
    }
    return undefined;
  }

  async save(request: SaveRequest): Promise<StoredSnapshot> {
    const folder = join(this.dir, request.sender);
    const archive = join(folder, `${request.snapshotId}.tar.gz`);
    const existing = await this.find(request.sender, request.snapshotId);
    if (existing) {
      // A retry of an upload whose reply was lost gets the same receipt; anything else is refused.
      if (existing.receipt.sha256 === request.sha256 && existing.receipt.size === request.length) return existing;
      throw new SaveError({ kind: 'conflict', message: `snapshot ${request.snapshotId} already exists with other content; it is never overwritten` });
    }
    const room = await this.checkRoom(request.sender, request.length, request.quotaBytes);
    if (room) throw new SaveError(room);

    this.reserved.set(request.sender, (this.reserved.get(request.sender) ?? 0) + request.length);
    const temp = join(this.tempDir, `${randomBytes(12).toString('hex')}.part`);
    try {
      const sha256 = await this.receive(request, temp);
      if (sha256 !== request.sha256) {
        throw new SaveError({ kind: 'bad-body', message: `the body's SHA-256 is ${sha256}, not the ${request.sha256} that was signed; nothing was stored` });
      }
      await fsyncPath(temp);
      await mkdir(folder, { recursive: true, mode: 0o700 });
      await link(temp, archive).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST') throw new SaveError({ kind: 'conflict', message: `snapshot ${request.snapshotId} was stored by a parallel upload` });
        throw err;
      });
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
      const receiptFile = join(folder, `${request.snapshotId}.receipt.json`);
      await writeFile(`${receiptFile}.part`, JSON.stringify(signed), { mode: 0o600 });
      await fsyncPath(`${receiptFile}.part`);
      await link(`${receiptFile}.part`, receiptFile);
      await unlink(`${receiptFile}.part`);
      await fsyncPath(folder);
      this.used.set(request.sender, this.usedBy(request.sender) + request.length);
      return { receipt, signed };
    } finally {
      this.reserved.set(request.sender, (this.reserved.get(request.sender) ?? 0) - request.length);
      await rm(temp, { force: true });
    }
  }

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

  async find(sender: string, snapshotId: string): Promise<StoredSnapshot | undefined> {
    if (!snapshotIdPattern.test(snapshotId)) return undefined;
    let signed: SignedStatement;
    try {
      signed = JSON.parse(await readFile(join(this.dir, sender, `${snapshotId}.receipt.json`), 'utf8')) as SignedStatement;
    } catch {
      return undefined;
    }
    const parsed = receiptSchema.safeParse(openStatement(signed, this.identity.publicKey));
    return parsed.success ? { receipt: parsed.data, signed } : undefined;
  }

  openArchive(sender: string, snapshotId: string): Readable {
    return createReadStream(join(this.dir, sender, `${snapshotId}.tar.gz`));
  }

  /** Streams the body into `temp`, hashing and counting; more bytes than declared is refused as they arrive. */
  private async receive(request: SaveRequest, temp: string): Promise<string> {
    const hash = createHash('sha256');
    let count = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        count += chunk.length;
        if (count > request.length) {
          callback(new SaveError({ kind: 'bad-body', message: `the body is longer than the ${request.length} bytes declared; nothing was stored` }));
          return;
        }
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    await pipeline(request.body, meter, createWriteStream(temp, { flags: 'wx', mode: 0o600 }));
    if (count !== request.length) {
      throw new SaveError({ kind: 'bad-body', message: `the body ended after ${count} of ${request.length} bytes; nothing was stored` });
    }
    return hash.digest('hex');
  }
}

/** Bytes of receipted snapshots per sender; reads only, so it is safe beside a running receiver. */
export async function usageBySender(dir: string): Promise<Map<string, number>> {
  const usage = new Map<string, number>();
  for (const sender of await senderFolders(dir)) usage.set(sender, (await scanSenderFolder(join(dir, sender))).receiptedBytes);
  return usage;
}

/** One read of a sender's folder: the bytes of its receipted archives, and the archives without a receipt. */
async function scanSenderFolder(folder: string): Promise<{ receiptedBytes: number; unreceipted: string[] }> {
  const names = new Set(await readdir(folder));
  let receiptedBytes = 0;
  const unreceipted: string[] = [];
  for (const name of names) {
    if (!name.endsWith('.tar.gz')) continue;
    if (names.has(name.replace(/\.tar\.gz$/, '.receipt.json'))) receiptedBytes += (await stat(join(folder, name))).size;
    else unreceipted.push(name);
  }
  return { receiptedBytes, unreceipted };
}

async function senderFolders(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => entry.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
