/**
 * What every command, the status bar and the panel share: the App for this
 * editor's home (the extension's global storage with the key in
 * SecretStorage, or the CLI home that peerBackup.home names), the settings,
 * the log, and a signal that data changed. The App opens its database and
 * key on first use, so activation stays light.
 */
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type * as vscode from 'vscode';
import { App, homeAt, UserError, type Home } from '../core/app';
import { checkRegistryUrlSetting, readSettings, sharedHomeDir, type ExtensionSettings } from './settings';
import type { Vscode } from './vscode-api';

/** The secrets' keys in SecretStorage. */
export const identitySecretKey = 'peerBackup.identity';
export const storageSecretKey = 'peerBackup.storageSecret';

export class Services {
  readonly home: Home;
  private readonly theApp: App;
  /** An unusable peerBackup.home, reported when the App is first needed, not at activation. */
  private readonly homeProblem: string | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly vsc: Vscode,
    context: Pick<vscode.ExtensionContext, 'globalStorageUri' | 'secrets'>,
    readonly log: vscode.LogOutputChannel,
  ) {
    const setting = readSettings(vsc).home;
    const shared = sharedHomeDir(setting);
    this.home = homeAt(shared ?? context.globalStorageUri.fsPath);
    if (shared !== undefined && !isAbsolute(shared)) this.homeProblem = `peerBackup.home is "${setting}": give an absolute folder path (e.g. ~/.peer-backup), or leave it empty.`;
    else if (shared !== undefined && !existsSync(shared)) this.homeProblem = `peerBackup.home is ${shared}, which does not exist: create it (mkdir -p ${shared}), or fix the setting.`;
    const { secrets } = context;
    this.theApp = new App({
      home: this.home,
      // A shared CLI home brings its key file; the editor's own home keeps the key in secret storage.
      secretSlot:
        shared === undefined
          ? { description: "the editor's secret storage (Peer Backup's private key)", get: async () => secrets.get(identitySecretKey), set: async (pem) => secrets.store(identitySecretKey, pem) }
          : undefined,
      // Likewise the storage secret, which names and seals every chunk stored at a teammate's.
      storageSecretSlot:
        shared === undefined
          ? { description: "the editor's secret storage (Peer Backup's storage secret)", get: async () => secrets.get(storageSecretKey), set: async (secret) => secrets.store(storageSecretKey, secret) }
          : undefined,
      // Checked on every use: a bad entry typed into settings.json is named wherever the registry is needed.
      registryUrl: () => checkRegistryUrlSetting(this.settings().registryUrl),
      // A shared home must exist, as for the CLI: a typo should not start an empty database.
      createHome: shared === undefined,
    });
    log.info(`Home: ${this.home.dir}${shared === undefined ? '' : ' (shared with the command line)'}`);
  }

  /** The door into the core; a UserError naming the setting when peerBackup.home is unusable. */
  app(): App {
    if (this.homeProblem) throw new UserError(this.homeProblem);
    return this.theApp;
  }

  settings(): ExtensionSettings {
    return readSettings(this.vsc);
  }

  /** Tells the status bar, the panel and the scheduler that plans, runs or teammates changed. */
  changed(): void {
    for (const listener of this.listeners) listener();
  }

  onChanged(listener: () => void): vscode.Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Stops telling listeners about changes (nothing new should start), then stops the scheduler and closes the database. */
  async close(): Promise<void> {
    this.listeners.clear();
    await this.theApp.close();
  }
}
