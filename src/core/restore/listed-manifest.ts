/**
 * Telling our own snapshots from anything else a teammate lists: a manifest
 * counts only when this machine's identity key signed it and it names this
 * machine as its sender. A listing entry that fails is reported, never
 * restored: the teammate made it up, altered it, or it is another sender's.
 */
import type { Identity } from '../identity/keys';
import { printable } from '../printable';
import { openManifest } from '../snapshot/manifest';
import type { Manifest } from '../wire/chunk-protocol';
import type { SignedStatement } from '../wire/signing';

export type ListedManifest = { ours: true; manifest: Manifest } | { ours: false; reason: string };

/** `holder`: the peer ID of the teammate that listed it; a manifest made for another receiver is not taken from this one. */
export function openListedManifest(signed: SignedStatement, identity: Identity, holder?: string): ListedManifest {
  const manifest = openManifest(signed, identity.publicKey);
  if (manifest === undefined) {
    return { ours: false, reason: "its manifest does not carry this machine's signature: it was altered, or it is not one of this machine's snapshots" };
  }
  if (holder !== undefined && manifest.receiver !== holder) {
    return { ours: false, reason: `its manifest was made for the teammate ${printable(manifest.receiver)}, not for the one that lists it` };
  }
  return { ours: true, manifest };
}
