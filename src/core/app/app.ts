/**
 * The door into the core. One App is made from a home, where its identity
 * is kept and which registry to ask; the CLI and the extension call its use
 * cases and only parse input and render output around them.
 *
 * The database and the identity open on first use, so an editor activates
 * without touching the disk; a failure to open is reported to the caller and
 * tried afresh on the next call.
 */
import { mkdir } from 'node:fs/promises';
import { deriveChunkKeys, type ChunkKeys } from '../chunk/chunk-keys';
import type { Home } from '../home';
import { loadOrCreateIdentity } from '../identity/key-file';
import type { Identity } from '../identity/keys';
import { loadOrCreateSharedIdentity, type SecretSlot } from '../identity/shared-identity';
import { loadOrCreateStorageSecretFile, loadOrCreateStorageSecretInSlot } from '../identity/storage-secret';
import { RegistryClient } from '../registry/registry-client';
import type { RunnerContext } from '../runner';
import { cleanSpool } from '../spool';
import { openStore, type Run, type Store } from '../store';
import { ChunkClient } from '../transfer/chunk-client';
import { connectToPeer } from '../transfer/connect';
import { stallTimeoutFromEnv } from '../transfer/stall-watchdog';
import { PlanService } from './plans';
import { ReceivingService } from './receiving';
import { RecoveryService } from './recovery';
import { RetentionService } from './retention';
import { VerifyService } from './verify';
import { RunService } from './runs';
import { SnapshotService } from './snapshots';
import { TeammateService } from './teammates';

export interface AppOptions {
  home: Home;
  /** Where the private key is kept: the editor's secret storage, else identity.pem in the home. */
  secretSlot?: SecretSlot;
  /** Where the storage secret is kept: a second slot of the editor's secret storage, else storage-secret in the home. */
  storageSecretSlot?: SecretSlot;
  /** The registry to ask, read at each use (an editor setting can change). */
  registryUrl: () => string;
  /** Create the home folder when missing; only for homes nobody typed (a typo must not start an empty database). */
  createHome?: boolean;
}

export class App {
  readonly plans: PlanService;
  readonly teammates: TeammateService;
  readonly runs: RunService;
  readonly snapshots: SnapshotService;
  readonly receiving: ReceivingService;
  readonly recovery: RecoveryService;
  readonly retention: RetentionService;
  readonly verification: VerifyService;

  private storeOpening: Promise<Store> | undefined;
  private identityLoading: Promise<Identity> | undefined;
  private registryClient: RegistryClient | undefined;
  private closed = false;

  constructor(private readonly options: AppOptions) {
    this.plans = new PlanService(this);
    this.teammates = new TeammateService(this);
    this.runs = new RunService(this);
    this.snapshots = new SnapshotService(this);
    this.receiving = new ReceivingService(this);
    this.recovery = new RecoveryService(this);
    this.retention = new RetentionService(this);
    this.verification = new VerifyService(this);
  }

  get home(): Home {
    return this.options.home;
  }

  store(): Promise<Store> {
    // Work that outlives close() (a timer, a late refresh) must not open the database again.
    if (this.closed) return Promise.reject(new Error('Peer Backup is shutting down'));
    this.storeOpening ??= this.openStore().catch((err: unknown) => {
      this.storeOpening = undefined;
      throw err;
    });
    return this.storeOpening;
  }

  identity(): Promise<Identity> {
    this.identityLoading ??= this.loadIdentity().catch((err: unknown) => {
      this.identityLoading = undefined;
      throw err;
    });
    return this.identityLoading;
  }

  /** The editor's secret-storage slots, when the keys are kept there instead of in the home. */
  get secretSlots(): { identity?: SecretSlot; storageSecret?: SecretSlot } {
    return { identity: this.options.secretSlot, storageSecret: this.options.storageSecretSlot };
  }

  /** Loads the identity afresh at its next use: recovery has just put another one in place. */
  forgetLoadedIdentity(): void {
    this.identityLoading = undefined;
  }

  /** A client for the registry named now; kept while the name stays the same, so its look-up cache is reused. */
  registry(): RegistryClient {
    const url = this.options.registryUrl();
    if (this.registryClient?.url !== url) this.registryClient = new RegistryClient(url);
    return this.registryClient;
  }

  async runnerContext(): Promise<RunnerContext> {
    return {
      store: await this.store(),
      identity: await this.identity(),
      registry: this.registry(),
      spoolDir: this.home.spoolDir,
      chunkKeys: () => this.chunkKeys(),
      destinationFor: (peerId, signal) => this.chunkStoreOf(peerId, signal),
      afterBackup: (run) => this.afterBackup(run),
    };
  }

  /** The chunked store a teammate keeps for us, on a connection where it proved its peer ID. */
  async chunkStoreOf(peerId: string, signal?: AbortSignal): Promise<ChunkClient> {
    const context = { store: await this.store(), identity: await this.identity(), registry: this.registry() };
    const { peer } = await connectToPeer(context, peerId, { signal });
    return new ChunkClient(context.identity, peer, stallTimeoutFromEnv());
  }

  /** The keys this machine's chunks are named and sealed with, from its storage secret. */
  async chunkKeys(): Promise<ChunkKeys> {
    return deriveChunkKeys(await this.storageSecret());
  }

  /** The storage secret itself, made on first use; only the recovery kit carries it off this machine. */
  async storageSecret(): Promise<Buffer> {
    const slot = this.options.storageSecretSlot;
    const store = await this.store();
    return slot ? loadOrCreateStorageSecretInSlot(slot, store) : loadOrCreateStorageSecretFile(this.home.dir, store);
  }

  /**
   * After a successful backup: the teammate gets the current recovery kit if
   * it lacks it, and the plan's retention policy is applied. The backup
   * stands whatever happens here: what failed is returned, to be shown, and
   * both are tried again after the next run.
   */
  private async afterBackup(run: Run): Promise<string[]> {
    const plan = await this.plans.get(run.planName);
    if (!plan.destination) return [];
    const chunks = await this.chunkStoreOf(plan.destination);
    const problems: string[] = [];
    await this.recovery.leaveWith(plan.destination, chunks).catch((err: Error) => problems.push(`The recovery kit could not be left with the teammate (${err.message}); the next run tries again.`));
    await this.retention
      .applyAfterBackup(plan.name, plan.destination, chunks)
      .catch((err: Error) => problems.push(`Old snapshots could not be forgotten (${err.message}); the next run tries again, or run "peer-backup forget --plan ${plan.name}".`));
    return problems;
  }

  /** Stops the scheduler, then closes the database. */
  async close(): Promise<void> {
    this.closed = true;
    await this.runs.stopScheduler();
    const opening = this.storeOpening;
    this.storeOpening = undefined;
    if (opening) await (await opening).close();
  }

  private async openStore(): Promise<Store> {
    if (this.options.createHome) await mkdir(this.home.dir, { recursive: true, mode: 0o700 });
    const store = await openStore(this.home.databaseFile);
    await cleanSpool(this.home.spoolDir, store); // archives of runs killed since the database was last opened
    return store;
  }

  private async loadIdentity(): Promise<Identity> {
    const slot = this.options.secretSlot;
    return slot ? loadOrCreateSharedIdentity(slot, await this.store()) : loadOrCreateIdentity(this.home.dir);
  }
}
