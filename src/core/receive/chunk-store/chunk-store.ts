/**
 * The receiver's chunked store (format version 2), one per storage folder,
 * each sender's under `storage/<sender>/v2/` (store-layout.ts). It stores
 * packs within quota, answers which chunks are missing, commits signed
 * manifests once every chunk they reference is stored, lists them, serves
 * chunks back, and collects packs no snapshot needs. Its bytes count against
 * the same SpaceLedger as the version-1 archives, so a sender's quota covers
 * both. docs/PROTOCOL.md ("Snapshots, packs and the exchanges") is the contract.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Mutex } from 'async-mutex';
import { UserError } from '../../errors';
import type { Identity } from '../../identity/keys';
import type { KitUpload } from '../../recovery/kit-protocol';
import type { SealedKit } from '../../recovery/kit-seal';
import { openManifest } from '../../snapshot/manifest';
import { maxBytesPerRead, maxIdsPerRead } from '../../wire/chunk-protocol';
import type { Receipt } from '../../wire/receipt';
import { signStatement, type SignedStatement } from '../../wire/signing';
import { publishFile, syncPath } from '../../util/publish-file';
import { isDiskFull } from '../disk-full';
import { QuotaExceeded, type Reservation, type SpaceLedger, type SpaceRequest } from '../space-ledger';
import { senderFolders } from '../storage-folders';
import { chunkTarStream, readChunk } from './chunk-reads';
import { deleteUnreferencedPacks, defaultGracePeriodMs, type GarbageReport } from './garbage';
import { tarEntryBytes } from './pack-entries';
import { indexFileText } from './pack-index-file';
import { receivePack } from './pack-intake';
import { forgetProposalFor } from './quota-proposal';
import type { SenderStore } from './sender-store';
import { committedManifest, snapshotChunks } from './snapshot-chunks';
import { readSnapshotFile, readSnapshotFiles, snapshotFileText } from './snapshot-files';
import { StoreLayout, snapshotSuffix } from './store-layout';
import { RecoveryKitShelf, type KitPut } from './recovery-kits';
import { scrubStore, type ScrubReport } from './scrub';
import { recoverStore } from './store-recovery';
import { tempPath, writeTempFile } from './temp-files';

export interface ChunkStoreOptions {
  storageDir: string;
  identity: Identity;
  /** Shared with SnapshotStorage; open() adds to it, so open this store after SnapshotStorage.init() reset it. */
  space: SpaceLedger;
  now?: () => number;
  gracePeriodMs?: number;
}

export interface ChunkStoreCleanUp {
  removedTempFiles: number;
  removedOrphanIndexes: number;
  reindexedPacks: number;
  unreadablePacks: number;
  removedGarbagePacks: number;
}

export interface PackRequest {
  sender: string;
  packId: string;
  /** The length the sender declared and signed. */
  length: number;
  quotaBytes: number;
  body: Readable;
  /** Called once the space is reserved, just before the body is read. */
  onAccepted?: () => void;
}

export interface StoredPack {
  packId: string;
  chunks: number;
  /** False when the pack was already stored (nothing was read). */
  stored: boolean;
}

export interface CommitRequest {
  sender: string;
  /** The most snapshots the receiver's owner lets this sender keep here; no ceiling when unset. */
  maxSnapshots?: number;
  /** The sender's key, as its certificate and signature proved. */
  senderKey: Buffer;
  snapshotId: string;
  manifest: SignedStatement;
  quotaBytes: number;
}

export type CommitOutcome = { committed: true; receipt: Receipt; signed: SignedStatement } | { committed: false; missing: string[] };

export interface DeletedSnapshot {
  snapshotId: string;
  /** The snapshot file's bytes and those of the packs deleted with it. */
  freedBytes: number;
  removedPacks: number;
}

export interface ListedSnapshot {
  manifest: SignedStatement;
  receipt: SignedStatement;
}

export class ChunkStore {
  private readonly senders = new Map<string, SenderStore>();
  private readonly opening = new Mutex();
  private readonly kits = new RecoveryKitShelf();
  private readonly now: () => number;
  private readonly gracePeriodMs: number;

  constructor(private readonly options: ChunkStoreOptions) {
    this.now = options.now ?? Date.now;
    this.gracePeriodMs = options.gracePeriodMs ?? defaultGracePeriodMs;
  }

  /** Opens every sender's store: clears what a crash left, counts what each stores, collects garbage. */
  async open(): Promise<ChunkStoreCleanUp> {
    const total: ChunkStoreCleanUp = { removedTempFiles: 0, removedOrphanIndexes: 0, reindexedPacks: 0, unreadablePacks: 0, removedGarbagePacks: 0 };
    for (const sender of await senderFolders(this.options.storageDir)) {
      const layout = new StoreLayout(this.options.storageDir, sender);
      if (!(await stat(layout.root).catch(() => undefined))?.isDirectory()) continue;
      const { store, report } = await this.recover(layout);
      total.removedTempFiles += report.removedTempFiles;
      total.removedOrphanIndexes += report.removedOrphanIndexes;
      total.reindexedPacks += report.reindexedPacks;
      total.unreadablePacks += report.unreadablePacks.length;
      total.removedGarbagePacks += (await this.collectGarbage(sender, store)).removedPacks;
    }
    return total;
  }

  /**
   * Stores the pack, or finds it already stored. Refuses what does not fit
   * before reading a byte of the body ('quota-exceeded', 'disk-full'), and a
   * body that is not a pack or not the one named ('bad-input'); nothing of a
   * refused pack is kept.
   */
  async storePack(request: PackRequest): Promise<StoredPack> {
    const store = await this.storeFor(request.sender);
    const known = this.storedPack(store, request.packId);
    if (known) return known;
    const disk = await statfs(this.options.storageDir);
    const reservation = await this.reserveOrPropose(store, false, {
      sender: request.sender,
      bytes: request.length,
      what: `pack ${request.packId}`,
      quotaBytes: request.quotaBytes,
      freeDiskBytes: disk.bavail * disk.bsize,
      diskBytes: disk.blocks * disk.bsize,
    });
    const temp = tempPath(store.layout);
    try {
      request.onAccepted?.();
      const received = await receivePack(request.body, temp, request.packId, request.length);
      if (received.sha256 !== request.packId) {
        throw new UserError(`the pack's SHA-256 is ${received.sha256}, not its name ${request.packId}; nothing was stored, send the pack again`, { code: 'bad-input' });
      }
      return await store.serial.runExclusive(async () => {
        const raced = this.storedPack(store, request.packId);
        if (raced) return raced;
        const { layout } = store;
        await mkdir(layout.packFolder(request.packId), { recursive: true, mode: 0o700 });
        await publishFile(await writeTempFile(layout, indexFileText(received.entries)), layout.indexPath(request.packId), { replace: true });
        // The pack's name appearing is the commit point: an index without it is removed at open.
        if ((await publishFile(temp, layout.packPath(request.packId))) === 'exists') {
          throw new UserError(`an unreadable copy of pack ${request.packId} is in the way on this receiver; your teammate must remove it from ${layout.packsDir}`, { code: 'damaged' });
        }
        store.index.addPack(request.packId, { bytes: request.length, storedAt: this.now(), entries: received.entries });
        reservation.commit();
        return { packId: request.packId, chunks: received.entries.length, stored: true };
      });
    } catch (err) {
      if (isDiskFull(err)) {
        throw new UserError(`the receiver's disk filled up while storing pack ${request.packId}; nothing was stored, your teammate must free space`, { code: 'disk-full', cause: err });
      }
      throw err;
    } finally {
      reservation.release();
      await rm(temp, { force: true });
    }
  }

  /** Those of `ids` not stored for the sender, each once, in the order asked. */
  async missing(sender: string, ids: string[]): Promise<string[]> {
    const store = this.senders.get(sender);
    return [...new Set(ids)].filter((id) => !store?.index.find(id));
  }

  /**
   * Commits the sender's signed manifest: its signer, sender, receiver and
   * ID must be right ('bad-input'), an ID taken by another manifest is a
   * 'conflict', and every chunk it references must be stored, else the
   * missing ones are returned. The same manifest again gets the same receipt.
   */
  async commit(request: CommitRequest): Promise<CommitOutcome> {
    const manifest = openManifest(request.manifest, request.senderKey);
    if (!manifest) throw new UserError(`the manifest of snapshot ${request.snapshotId} is not one ${request.sender} signed; nothing was committed`, { code: 'bad-input' });
    const { identity } = this.options;
    if (manifest.sender !== request.sender || manifest.receiver !== identity.peerId || manifest.snapshotId !== request.snapshotId) {
      throw new UserError(
        `the manifest names snapshot ${manifest.snapshotId} from ${manifest.sender} to ${manifest.receiver}, but it was sent as snapshot ${request.snapshotId} from ${request.sender} to ${identity.peerId}; nothing was committed`,
        { code: 'bad-input' },
      );
    }
    const store = await this.storeFor(request.sender);
    return store.serial.runExclusive(async () => {
      const { layout, index } = store;
      const existing = await readSnapshotFile(layout, manifest.snapshotId, identity.publicKey);
      if (existing) {
        // A retry whose answer was lost gets the same receipt; another manifest under the ID is refused.
        if (existing.manifest.statement === request.manifest.statement) return { committed: true, receipt: existing.receipt, signed: existing.signed };
        throw new UserError(`snapshot ${manifest.snapshotId} is already committed here with another manifest; it is never replaced, so send it under a new snapshot ID`, { code: 'conflict' });
      }
      if (request.maxSnapshots !== undefined) await refuseOverCeiling(layout, identity.publicKey, request.maxSnapshots);
      const chunks = await snapshotChunks(manifest, index, (id, location) => readChunk(layout, id, location));
      if (chunks.missing.length > 0) return { committed: false, missing: chunks.missing };
      const receipt: Receipt = {
        version: 2,
        snapshotId: manifest.snapshotId,
        plan: manifest.plan,
        sender: request.sender,
        receiver: identity.peerId,
        size: chunks.storedBytes,
        sha256: createHash('sha256').update(Buffer.from(request.manifest.statement, 'base64')).digest('hex'),
        storedAt: this.now(),
      };
      const signed = signStatement(identity, receipt);
      const text = snapshotFileText(request.manifest, signed);
      const disk = await statfs(this.options.storageDir);
      const bytes = Buffer.byteLength(text);
      const reservation = await this.reserveOrPropose(store, true, {
        sender: request.sender,
        bytes,
        what: `the manifest of snapshot ${manifest.snapshotId}`,
        quotaBytes: request.quotaBytes,
        freeDiskBytes: disk.bavail * disk.bsize,
        diskBytes: disk.blocks * disk.bsize,
      });
      try {
        if ((await publishFile(await writeTempFile(layout, text), layout.snapshotPath(manifest.snapshotId))) === 'exists') {
          throw new UserError(`snapshot ${manifest.snapshotId} was committed here at the same moment by another request; ask again for its receipt`, { code: 'conflict' });
        }
        reservation.commit();
      } catch (err) {
        if (isDiskFull(err)) throw new UserError(`the receiver's disk is full: snapshot ${manifest.snapshotId} was not committed, your teammate must free space`, { code: 'disk-full', cause: err });
        throw err;
      } finally {
        reservation.release();
      }
      return { committed: true, receipt, signed };
    });
  }

  /** The sender's committed snapshots, oldest first. */
  async list(sender: string): Promise<ListedSnapshot[]> {
    const store = this.senders.get(sender);
    if (!store) return [];
    const snapshots = await readSnapshotFiles(store.layout, this.options.identity.publicKey);
    return snapshots.map((snapshot) => ({ manifest: snapshot.manifest, receipt: snapshot.signed }));
  }

  /**
   * The chunks as a tar stream, in the order asked. Refused before a byte
   * when one is not stored ('not-found') or the entries pass maxBytesPerRead
   * or maxIdsPerRead ('bad-input').
   */
  async read(sender: string, ids: string[]): Promise<Readable> {
    if (ids.length > maxIdsPerRead) throw new UserError(`a read asks for at most ${maxIdsPerRead} chunks, not ${ids.length}; ask in smaller batches`, { code: 'bad-input' });
    const store = this.senders.get(sender);
    const chunks = ids.map((id) => {
      const location = store?.index.find(id);
      if (!location) throw new UserError(`chunk ${id} is not stored here for ${sender}; nothing was sent`, { code: 'not-found' });
      return { id, location };
    });
    const bytes = chunks.reduce((sum, chunk) => sum + tarEntryBytes(chunk.location.length), 0);
    if (bytes > maxBytesPerRead) throw new UserError(`the ${ids.length} chunks asked for take ${bytes} bytes, more than the ${maxBytesPerRead} one read may; ask in smaller batches`, { code: 'bad-input' });
    return chunkTarStream(store!.layout, chunks);
  }

  /** Deletes the sender's packs that no committed snapshot needs and that are older than the grace period. */
  async collectGarbage(sender: string, known?: SenderStore): Promise<GarbageReport> {
    const store = known ?? this.senders.get(sender);
    if (!store) return { removedPacks: 0, freedBytes: 0 };
    return store.serial.runExclusive(() => this.collectLocked(store, new Set()));
  }

  /**
   * Forgets one of the sender's snapshots: its file is removed (one unlink,
   * so it is there or gone), then the packs only it referenced are deleted,
   * however recently they came. 'not-found' when it holds no such snapshot.
   */
  async deleteSnapshot(sender: string, snapshotId: string): Promise<DeletedSnapshot> {
    const store = this.senders.get(sender);
    const notFound = () => new UserError(`no snapshot "${snapshotId.slice(0, 200)}" is stored here for ${sender}; nothing was deleted`, { code: 'not-found' });
    if (!store) throw notFound();
    return store.serial.runExclusive(async () => {
      const { layout, index } = store;
      const snapshot = await readSnapshotFile(layout, snapshotId, this.options.identity.publicKey);
      if (!snapshot) throw notFound();
      const manifest = committedManifest(snapshot.manifest);
      const released = new Set<string>();
      if (manifest) {
        const { stored } = await snapshotChunks(manifest, index, (id, location) => readChunk(layout, id, location)).catch(() => ({ stored: new Set<string>() }));
        for (const id of stored) released.add(index.find(id)!.packId);
      }
      await rm(layout.snapshotPath(snapshotId));
      await syncPath(layout.snapshotsDir);
      this.options.space.charge(sender, -snapshot.fileBytes);
      const garbage = await this.collectLocked(store, released);
      return { snapshotId, freedBytes: snapshot.fileBytes + garbage.freedBytes, removedPacks: garbage.removedPacks };
    });
  }

  /** Re-hashes the sender's packs and says, per committed snapshot, which damaged packs it depends on. */
  async scrub(sender: string): Promise<ScrubReport> {
    const store = this.senders.get(sender);
    return store ? scrubStore(store, this.options.identity.publicKey) : { packsChecked: 0, damagedPacks: [], snapshots: [] };
  }

  /** Scrubs every sender's store, one after another: the receiver's own schedule. */
  async scrubAll(onScrubbed: (sender: string, report: ScrubReport) => void): Promise<void> {
    for (const sender of [...this.senders.keys()]) onScrubbed(sender, await this.scrub(sender));
  }

  /** Keeps the sender's recovery kit, replacing the one it left before. */
  async storeKit(sender: string, upload: KitUpload): Promise<KitPut> {
    const store = await this.storeFor(sender);
    return store.serial.runExclusive(() => this.kits.put(store.layout, upload));
  }

  /** The kit filed under `lookupId`, for whoever shows its code's verifier; undefined for a wrong verifier or an unknown lookup ID alike. */
  findKit(lookupId: string, verifier: string): SealedKit | undefined {
    return this.kits.find(lookupId, verifier);
  }

  /** The sender's store, made (folders and all) if it has none yet: only for storing, so that a stranger's reads leave no trace. */
  private async storeFor(sender: string): Promise<SenderStore> {
    return this.senders.get(sender) ?? this.opening.runExclusive(async () => this.senders.get(sender) ?? (await this.recover(new StoreLayout(this.options.storageDir, sender))).store);
  }

  /** Reserves the space, or refuses naming the sender's oldest snapshots whose forgetting would make room. */
  private async reserveOrPropose(store: SenderStore, locked: boolean, request: SpaceRequest): Promise<Reservation> {
    try {
      return this.options.space.reserve(request);
    } catch (err) {
      if (!(err instanceof QuotaExceeded)) throw err;
      const propose = () => forgetProposalFor(store, this.options.identity.publicKey, this.now(), this.gracePeriodMs, err.figures.neededBytes);
      const proposal = await (locked ? propose() : store.serial.runExclusive(propose));
      throw new QuotaExceeded(err.figures, err.message, proposal);
    }
  }

  /** Collects garbage with the sender's lock held; packs in `released` are collected by reference. */
  private async collectLocked(store: SenderStore, released: ReadonlySet<string>): Promise<GarbageReport> {
    const report = await deleteUnreferencedPacks(store, this.options.identity.publicKey, this.now(), this.gracePeriodMs, released);
    this.options.space.charge(store.layout.sender, -report.freedBytes);
    return report;
  }

  /** Opens one sender's store from disk and counts its bytes. */
  private async recover(layout: StoreLayout): Promise<{ store: SenderStore; report: Awaited<ReturnType<typeof recoverStore>>['report'] }> {
    const { index, report } = await recoverStore(layout);
    await this.kits.load(layout);
    const store: SenderStore = { layout, index, serial: new Mutex() };
    this.senders.set(layout.sender, store);
    this.options.space.charge(layout.sender, index.storedBytes() + (await snapshotFileBytes(layout)));
    return { store, report };
  }

  private storedPack(store: SenderStore, packId: string): StoredPack | undefined {
    const pack = store.index.pack(packId);
    return pack ? { packId, chunks: pack.entries.length, stored: false } : undefined;
  }
}

/** Refuses a new snapshot when the sender already keeps its ceiling, naming the oldest ones to forget to make room. */
async function refuseOverCeiling(layout: StoreLayout, receiverKey: Buffer, maxSnapshots: number): Promise<void> {
  const held = await readSnapshotFiles(layout, receiverKey);
  if (held.length < maxSnapshots) return;
  const oldest = held.slice(0, held.length - maxSnapshots + 1).map((snapshot) => snapshot.receipt.snapshotId);
  throw new UserError(
    `this receiver keeps at most ${maxSnapshots} snapshots for you and holds ${held.length}: forget ${oldest.length === 1 ? 'one' : oldest.length} first, e.g. the oldest (${oldest.join(', ')}), with "peer-backup forget --plan PLAN", or ask your teammate for a higher ceiling`,
    { code: 'quota-exceeded' },
  );
}

/** The bytes of every file in the snapshots folder: what the quota charges for them. */
async function snapshotFileBytes(layout: StoreLayout): Promise<number> {
  let total = 0;
  for (const name of await readdir(layout.snapshotsDir)) {
    if (name.endsWith(snapshotSuffix)) total += (await stat(join(layout.snapshotsDir, name))).size;
  }
  return total;
}
