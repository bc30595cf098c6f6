/**
 * Puts a recovered identity key and storage secret where this installation
 * keeps them (files in the CLI's home, the editor's secret storage). What is
 * already there and the same is left alone; something different is
 * refused, unless the user forces it, and then a file is set aside, never
 * deleted.
 */
import { rename } from 'node:fs/promises';
import { storageSecretFingerprint } from '../identity/storage-secret';
import { identityFromPem } from '../identity/keys';
import { UserError } from '../errors';
import type { SecretSlot } from '../identity/shared-identity';
import type { Store } from '../store';
import type { KitContents } from './kit-seal';

/** A place a key is kept; a file can also be set aside before it is replaced. */
export interface KeyPlace extends SecretSlot {
  setAside?(): Promise<string>;
}

export interface InstalledKeys {
  peerId: string;
  /** Files set aside to make room (with --force). */
  setAside: string[];
}

export async function installKeys(places: { identity: KeyPlace; storageSecret: KeyPlace }, contents: KitContents, store: Store, force: boolean): Promise<InstalledKeys> {
  const recovered = identityFromPem(contents.privateKeyPem);
  const recorded = await store.storageSecretFingerprint.get();
  if (recorded !== undefined && recorded !== storageSecretFingerprint(contents.storageSecret)) {
    throw new UserError(
      `${store.file} records backups made under another storage secret than the recovered one: recovering here would mix two machines' histories. Recover into a new, empty home (the CLI's --home DIR).`,
      { code: 'conflict' },
    );
  }
  const setAside: string[] = [];
  const identityText = await places.identity.get();
  if (identityText !== undefined && peerIdIn(identityText) !== recovered.peerId) {
    setAside.push(...(await makeRoom(places.identity, force, `holds another identity (peer ID ${peerIdIn(identityText) ?? 'unreadable'}) than the recovered one (${recovered.peerId})`)));
  }
  const secretText = await places.storageSecret.get();
  if (secretText !== undefined && secretText.trim() !== contents.storageSecret.toString('base64')) {
    setAside.push(...(await makeRoom(places.storageSecret, force, 'holds another storage secret than the recovered one')));
  }
  if (identityText === undefined || peerIdIn(identityText) !== recovered.peerId) await places.identity.set(contents.privateKeyPem);
  if (secretText?.trim() !== contents.storageSecret.toString('base64')) await places.storageSecret.set(`${contents.storageSecret.toString('base64')}\n`);
  return { peerId: recovered.peerId, setAside };
}

async function makeRoom(place: KeyPlace, force: boolean, why: string): Promise<string[]> {
  if (!force) {
    throw new UserError(`${place.description} ${why}. Recover into a new, empty home (the CLI's --home DIR), or pass --force to set the present one aside.`, { code: 'conflict' });
  }
  return place.setAside ? [await place.setAside()] : [];
}

function peerIdIn(pem: string): string | undefined {
  try {
    return identityFromPem(pem).peerId;
  } catch {
    return undefined;
  }
}

/** Moves `file` aside under a name that says when and why; returns the new name. */
export async function setFileAside(file: string, now: number): Promise<string> {
  const aside = `${file}.before-recovery-${new Date(now).toISOString().replace(/[-:]|\.\d+/g, '')}`;
  await rename(file, aside);
  return aside;
}
