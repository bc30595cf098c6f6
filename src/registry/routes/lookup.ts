/** GET /v1/peers/:peerId: a peer's key and addresses. Needs no key: the answer is public and untrusted. */
import { parsePeerId } from '../../core/identity/peer-id';
import type { PeerRecord } from '../../core/registry/protocol';
import { HttpError, type Reply } from '../http';
import type { RegistryStore } from '../store/registry-store';

export interface LookupDependencies {
  store: RegistryStore;
  now: () => number;
}

export function lookupRoute({ store, now }: LookupDependencies) {
  return async (given: string): Promise<Reply> => {
    let peerId: string;
    try {
      peerId = parsePeerId(given);
    } catch (err) {
      throw new HttpError(400, 'malformed-peer-id', (err as Error).message);
    }
    const entry = await store.find(peerId, now());
    if (!entry) {
      throw new HttpError(404, 'peer-not-registered', `peer ${peerId} is not registered here, or its entry expired: it announces itself while it is receiving`);
    }
    const body: PeerRecord = {
      peerId,
      publicKey: entry.publicKey.toString('base64'),
      addresses: entry.addresses,
      lastSeen: entry.lastSeen,
      expiresAt: entry.expiresAt,
    };
    return { status: 200, body, peer: peerId };
  };
}
