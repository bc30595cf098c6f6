/**
 * Recovery use cases: the recovery kit (this machine's identity key and
 * storage secret, sealed under a 24-word code; core/recovery), left with
 * every teammate a plan backs up to, and the day the laptop dies: from the
 * code and a teammate's peer ID alone, fetch the kit, put the keys back,
 * and restore the latest snapshot.
 */
import { join } from 'node:path';
import { UserError } from '../errors';
import { generateIdentity } from '../identity/keys';
import { keyFileName } from '../identity/key-file';
import { parsePeerId } from '../identity/peer-id';
import { storageSecretFileName } from '../identity/storage-secret';
import { readKitFile, takePendingCode, writeKitFile, type KitFile } from '../recovery/kit-file';
import { currentKitVersion, deriveKitKeys, type KitKeys, type KitVersion } from '../recovery/kit-keys';
import { openKit, type SealedKit } from '../recovery/kit-seal';
import { fileKeyPlace } from '../recovery/file-key-place';
import { installKeys } from '../recovery/install-keys';
import { makeKit } from '../recovery/make-kit';
import { recoveryCodeEntropy } from '../recovery/recovery-code';
import { ChunkClient } from '../transfer/chunk-client';
import { connectToPeer } from '../transfer/connect';
import { stallTimeoutFromEnv } from '../transfer/stall-watchdog';
import type { App } from './app';
import type { ListedSnapshot, RestoreResult } from './snapshots';

export interface RecoveryKitView {
  /** The code, when this call made the kit or a backup made it and it was not shown yet; shown once, never stored. */
  code?: string;
  createdAt: number;
  /** Teammates known to hold this kit. */
  heldBy: string[];
}

export interface RecoverRequest {
  /** The teammate's peer ID (the new machine has no list of teammates yet). */
  from: string;
  code: string;
  targetDir: string;
  /** By default the latest snapshot the teammate holds. */
  snapshotId?: string;
  /** Set aside an identity or storage secret already in the home that is not the recovered one. */
  force?: boolean;
  signal?: AbortSignal;
}

export interface RecoverResult {
  /** The recovered identity's peer ID: this machine's again. */
  peerId: string;
  setAside: string[];
  snapshot: ListedSnapshot;
  restored: RestoreResult;
  /** How long deriving the keys from the code took (for a version-1 kit, both derivations), in milliseconds. */
  derivationMs: number;
}

/**
 * The kit filed under the code's lookup ID: the current version's first; only
 * when the teammate holds none there, the version-1 lookup ID (its scrypt
 * derivation is slow and large), so kits made by earlier builds still open.
 */
async function fetchKit(client: ChunkClient, entropy: Buffer, signal?: AbortSignal): Promise<{ keys: KitKeys; kit: SealedKit; derivationMs: number }> {
  let derivationMs = 0;
  const derive = async (version: KitVersion) => {
    const started = Date.now();
    const keys = await deriveKitKeys(entropy, version);
    derivationMs += Date.now() - started;
    return keys;
  };
  const current = await derive(currentKitVersion);
  try {
    return { keys: current, kit: await client.openRecoveryKit(current.lookupId, current.verifier, signal), derivationMs };
  } catch (err) {
    if (!(err instanceof UserError && err.code === 'not-found')) throw err;
  }
  const earlier = await derive(1);
  return { keys: earlier, kit: await client.openRecoveryKit(earlier.lookupId, earlier.verifier, signal), derivationMs };
}

export class RecoveryService {
  constructor(private readonly app: App) {}

  /**
   * The recovery kit, made on first use. Its code is in the answer only when
   * it was just made (here, with `renew`, or at a backup and not shown yet):
   * keep it off this machine. `renew` makes a new code; teammates get the new
   * kit at the next backup, replacing the old one.
   */
  async show(options: { renew?: boolean } = {}): Promise<RecoveryKitView> {
    const existing = options.renew ? undefined : await readKitFile(this.app.home.dir);
    if (!existing) {
      const made = await this.make();
      return { code: made.code, createdAt: made.kit.createdAt, heldBy: [] };
    }
    return { code: await takePendingCode(this.app.home.dir), createdAt: existing.createdAt, heldBy: await this.holders(existing) };
  }

  /** The current kit; made (its code kept until shown once) when there is none, as at the first backup. */
  async current(): Promise<KitFile> {
    return (await readKitFile(this.app.home.dir)) ?? (await this.make(true)).kit;
  }

  /** Leaves the current kit with the teammate unless it is known to hold it already. */
  async leaveWith(peerId: string, chunks: ChunkClient, signal?: AbortSignal): Promise<void> {
    const kit = await this.current();
    const store = await this.app.store();
    if (await store.recoveryKitCopies.holds(peerId, kit.lookupId)) return;
    await chunks.putRecoveryKit({ lookupId: kit.lookupId, verifierHash: kit.verifierHash, kit: kit.kit }, signal);
    await store.recoveryKitCopies.record(peerId, kit.lookupId);
  }

  /**
   * From the code and the teammate's peer ID: fetch the kit over a connection
   * where the teammate proved its peer ID (this machine shows a temporary
   * identity), open it, put the keys back, then restore a snapshot.
   */
  async recover(request: RecoverRequest): Promise<RecoverResult> {
    const peerId = parsePeerId(request.from);
    const entropy = await recoveryCodeEntropy(request.code);
    const store = await this.app.store();
    const stranger = generateIdentity();
    const { peer } = await connectToPeer({ store, identity: stranger, registry: this.app.registry() }, peerId, { signal: request.signal });
    const { keys, kit, derivationMs } = await fetchKit(new ChunkClient(stranger, peer, stallTimeoutFromEnv()), entropy, request.signal);
    const contents = openKit(keys, kit, peerId);
    const installed = await installKeys(this.keyPlaces(), contents, store, request.force === true);
    this.app.forgetLoadedIdentity();

    const snapshots = (await this.app.snapshots.list({ teammate: peerId, signal: request.signal })).filter((each) => each.format === 'chunked');
    const snapshot = request.snapshotId === undefined ? snapshots.at(-1) : snapshots.find((each) => each.snapshotId === request.snapshotId);
    if (!snapshot) {
      const what = request.snapshotId === undefined ? 'no snapshot of this machine' : `no snapshot "${request.snapshotId}" of this machine`;
      throw new UserError(`The keys are back (peer ID ${installed.peerId}), but ${peerId} holds ${what}; "peer-backup snapshots --dest ${peerId}" lists what it holds.`, { code: 'not-found' });
    }
    const restored = await this.app.snapshots.restore({ snapshotId: snapshot.snapshotId, teammate: peerId, targetDir: request.targetDir, overwrite: false, signal: request.signal });
    return { peerId: installed.peerId, setAside: installed.setAside, snapshot, restored, derivationMs };
  }

  private async make(pending = false): Promise<{ code: string; kit: KitFile }> {
    const identity = await this.app.identity();
    const { code, upload } = await makeKit({ privateKeyPem: identity.privateKeyPem, storageSecret: await this.app.storageSecret() });
    const kit = await writeKitFile(this.app.home.dir, upload, Date.now(), pending ? code : undefined);
    return { code, kit };
  }

  private async holders(kit: KitFile): Promise<string[]> {
    const store = await this.app.store();
    const peers = new Set([...(await store.destinations.list()).map((each) => each.peerId), ...(await store.plans.list()).flatMap((plan) => (plan.destination ? [plan.destination] : []))]);
    const held = await Promise.all([...peers].map(async (peerId) => ((await store.recoveryKitCopies.holds(peerId, kit.lookupId)) ? [peerId] : [])));
    return held.flat();
  }

  private keyPlaces() {
    const slots = this.app.secretSlots;
    return {
      identity: slots.identity ?? fileKeyPlace(join(this.app.home.dir, keyFileName)),
      storageSecret: slots.storageSecret ?? fileKeyPlace(join(this.app.home.dir, storageSecretFileName)),
    };
  }
}
