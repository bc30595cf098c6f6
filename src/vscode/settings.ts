/**
 * The extension's settings (contributes.configuration in package.json):
 * read in one place, and checked where they are used, with messages that
 * name the setting, so that one bad value does not hide the others.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { defaultExcludes, defaultReceiverPort, defaultRegistryUrl, printable, resolveRegistryUrl, splitRegistryUrls, UserError, type Home } from '../core/app';
import type { Vscode } from './vscode-api';

export const settingsSection = 'peerBackup';

export type WritableSetting = 'registryUrl' | 'receiver.enabled' | 'receiver.port' | 'receiver.storageFolder' | 'receiver.mapPort';

export interface ExtensionSettings {
  registryUrl: string;
  receiverEnabled: boolean;
  /** As configured; receiverPlace() checks it. */
  receiverPort: number;
  /** As configured; '' means storage/ in the extension's global storage. */
  storageFolder: string;
  /** Ask the router to forward the receiver's port (UPnP IGD, NAT-PMP). */
  receiverMapPort: boolean;
  defaultExcludes: string[];
  /** A CLI home to share, as configured ('' = the extension's own storage). */
  home: string;
}

export function readSettings(vsc: Vscode): ExtensionSettings {
  const config = vsc.workspace.getConfiguration(settingsSection);
  return {
    registryUrl: config.get<string>('registryUrl', defaultRegistryUrl).trim().replace(/\/+$/, ''),
    receiverEnabled: config.get<boolean>('receiver.enabled', false),
    receiverPort: config.get<number>('receiver.port', defaultReceiverPort),
    storageFolder: config.get<string>('receiver.storageFolder', '').trim(),
    receiverMapPort: config.get<boolean>('receiver.mapPort', true),
    defaultExcludes: config.get<string[]>('defaultExcludes', [...defaultExcludes]),
    home: config.get<string>('home', '').trim(),
  };
}

/** Where the receiver listens and stores; a UserError naming the setting when one is unusable. */
export function receiverPlace(settings: ExtensionSettings, home: Home): { port: number; storageDir: string } {
  return { port: checkPort(settings.receiverPort), storageDir: storageDirFor(settings.storageFolder, home) };
}

/**
 * Registry URLs as typed (one, or several separated by commas), in the form
 * the setting holds them; a UserError naming the entry at fault and how to
 * write one.
 */
export function checkRegistryUrl(text: string): string {
  const entries = splitRegistryUrls(text);
  if (entries.length === 0) throw new UserError(`no registry URL given: give it as http://HOST:PORT, e.g. ${defaultRegistryUrl}.`);
  return entries
    .map((entry, index) => {
      try {
        return resolveRegistryUrl(entry, {});
      } catch {
        const which = entries.length > 1 ? ` (entry ${index + 1} of ${entries.length})` : '';
        throw new UserError(`"${printable(entry)}"${which} is not a registry URL: give it as http://HOST:PORT, e.g. ${defaultRegistryUrl}; several separated by commas.`);
      }
    })
    .join(',');
}

/** checkRegistryUrl for the setting itself, wherever the registry is used: the message names the setting. */
export function checkRegistryUrlSetting(setting: string): string {
  try {
    return checkRegistryUrl(setting);
  } catch (err) {
    throw new UserError(`peerBackup.registryUrl: ${(err as Error).message} Fix it in the settings or with Peer Backup: Change Registry URL....`);
  }
}

export function checkPort(value: unknown): number {
  const port = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UserError(`peerBackup.receiver.port is ${JSON.stringify(value)}: use a port from 1 to 65535 (${defaultReceiverPort} by default).`);
  }
  return port;
}

/** The folder a storage-folder setting means: '' for the default, `~/...` from the home folder, else an absolute path. */
export function storageDirFor(setting: string, home: Home): string {
  const trimmed = setting.trim();
  if (trimmed === '') return home.defaultStorageDir;
  const expanded = expandTilde(trimmed);
  if (!isAbsolute(expanded)) {
    throw new UserError(`peerBackup.receiver.storageFolder is "${setting}": give an absolute folder path, or leave it empty for the default.`);
  }
  return expanded;
}

/** The folder peerBackup.home names ('~/...' from the user's home), or undefined when it is empty; the caller checks it. */
export function sharedHomeDir(setting: string): string | undefined {
  return setting === '' ? undefined : expandTilde(setting);
}

/** `~` and `~/...` from the user's home folder, as a shell would. */
function expandTilde(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

/** Writes a setting for the user (every window and workspace): these settings are per machine. */
export async function writeSetting(vsc: Vscode, key: WritableSetting, value: string | number | boolean): Promise<void> {
  await vsc.workspace.getConfiguration(settingsSection).update(key, value, vsc.ConfigurationTarget.Global);
}
