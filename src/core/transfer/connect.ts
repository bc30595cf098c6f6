/**
 * From a peer ID to a receiver that has proven it holds the peer's key: look
 * the peer up, connect where it proves itself in the TLS handshake, and pin
 * its key the first time (a later, different key is refused). Backups and
 * restores both start here.
 */
import type { Identity } from '../identity/keys';
import type { PeerRecord } from '../registry/protocol';
import type { Store } from '../store';
import { candidateAddresses } from './peer-addresses';
import { PeerClient, type VerifiedPeer } from './sender';
import { stallTimeoutFromEnv } from './stall-watchdog';

export interface PeerLookup {
  lookup(peerId: string, options?: { fresh?: boolean }): Promise<PeerRecord>;
}

export interface PeerContext {
  store: Store;
  identity: Identity;
  registry: PeerLookup;
}

export async function connectToPeer(
  context: PeerContext,
  peerId: string,
  options: { signal?: AbortSignal; freshLookup?: boolean } = {},
): Promise<{ client: PeerClient; peer: VerifiedPeer }> {
  const record = await context.registry.lookup(peerId, { fresh: options.freshLookup });
  const destination = await context.store.destinations.find(peerId);
  const client = new PeerClient(context.identity, stallTimeoutFromEnv());
  const peer = await client.connect(peerId, candidateAddresses(record), { pinnedKey: destination?.publicKey, signal: options.signal });
  if (destination && !destination.publicKey) await context.store.destinations.pinKey(peerId, peer.publicKey.toString('base64'));
  return { client, peer };
}
