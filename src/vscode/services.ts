/**
 * What every command, the status bar and the panel share, opened on first
 * use so activation stays light: the database in the extension's global
 * storage, the identity in SecretStorage (or both from the CLI home that
 * peerBackup.home names), the registry client from the settings, and a
 * signal that data changed.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type * as vscode from 'vscode';
import { UserError } from '../core/errors';
import { homeAt, type Home } from '../core/home';
import { loadOrCreateIdentity } from '../core/identity/key-file';
import { loadOrCreateSharedIdentity } from '../core/identity/shared-identity';
import type { Identity } from '../core/identity/keys';
import { RegistryClient } from '../core/registry/registry-client';
import type { RunnerContext } from '../core/runner';
import { openStore, type Store } from '../core/store';
import { readSettings, sharedHomeDir, type ExtensionSettings } from './settings';
import type { Vscode } from './vscode-api';

/** The secret's key in SecretStorage. */
export const identitySecretKey = 'peerBackup.identity';

export class Services {
  readonly home: Home;
  /** True when peerBackup.home shares a CLI home: its database and its key file. */
  private readonly sharesCliHome: boolean;
  /** An unusable peerBackup.home, reported when the database or key is first needed, not at activation. */
  private readonly homeProblem: string | undefined;
  private storeOpening: Promise<Store> | undefined;
  private identityLoading: Promise<Identity> | undefined;
  private registryClient: RegistryClient | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly vsc: Vscode,
    private readonly context: Pick<vscode.ExtensionContext, 'globalStorageUri' | 'secrets'>,
    readonly log: vscode.LogOutputChannel,
  ) {
    const setting = readSettings(vsc).home;
    const shared = sharedHomeDir(setting);
    this.sharesCliHome = shared !== undefined;
    this.home = homeAt(shared ?? context.globalStorageUri.fsPath);
    if (shared !== undefined && !isAbsolute(shared)) this.homeProblem = `peerBackup.home is "${setting}": give an absolute folder path (e.g. ~/.peer-backup), or leave it empty.`;
    else if (shared !== undefined && !existsSync(shared)) this.homeProblem = `peerBackup.home is ${shared}, which does not exist: create it (mkdir -p ${shared}), or fix the setting.`;
  }

  // A failure to open or load (a damaged key, an unwritable folder) is reported to
  // the caller and tried afresh on the next call, not remembered for ever.

  store(): Promise<Store> {
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

  settings(): ExtensionSettings {
    return readSettings(this.vsc);
  }

  /** A client for the registry the settings name now; kept while the setting stays the same, so its look-up cache is reused. */
  registry(): RegistryClient {
    const url = this.settings().registryUrl;
    if (this.registryClient?.url !== url) this.registryClient = new RegistryClient(url);
    return this.registryClient;
  }

  async runnerContext(): Promise<RunnerContext> {
    return { store: await this.store(), identity: await this.identity(), registry: this.registry(), spoolDir: this.home.spoolDir };
  }

  /** Tells the status bar, the panel and the scheduler that plans, runs or teammates changed. */
  changed(): void {
    for (const listener of this.listeners) listener();
  }

  onChanged(listener: () => void): vscode.Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Stops telling listeners about changes (nothing new should start), then closes the database. */
  async close(): Promise<void> {
    this.listeners.clear();
    const opening = this.storeOpening;
    this.storeOpening = undefined;
    if (opening) await (await opening).close();
  }

  private async openStore(): Promise<Store> {
    // A shared home must exist, as for the CLI: a typo should not start an empty database.
    if (this.homeProblem) throw new UserError(this.homeProblem);
    if (!this.sharesCliHome) await mkdir(this.home.dir, { recursive: true, mode: 0o700 });
    const store = await openStore(this.home.databaseFile);
    this.log.info(`Database: ${this.home.databaseFile}`);
    return store;
  }

  private async loadIdentity(): Promise<Identity> {
    if (this.homeProblem) throw new UserError(this.homeProblem);
    if (this.sharesCliHome) {
      const identity = await loadOrCreateIdentity(this.home.dir);
      this.log.info(`Peer ID: ${identity.peerId} (shared with the CLI home ${this.home.dir})`);
      return identity;
    }
    const secrets = this.context.secrets;
    const identity = await loadOrCreateSharedIdentity(
      {
        description: "the editor's secret storage (Peer Backup's private key)",
        get: async () => secrets.get(identitySecretKey),
        set: async (pem) => secrets.store(identitySecretKey, pem),
      },
      await this.store(),
    );
    this.log.info(`Peer ID: ${identity.peerId}`);
    return identity;
  }
}
