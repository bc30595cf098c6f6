/**
 * GET /v2/peers/:peerId: a peer's signed announcement, byte for byte, and
 * the address it came from. Needs no key: the answer is public, and the
 * client checks the signature itself.
 */
import type { FastifyRequest } from 'fastify';
import { parsePeerId } from '../../core/identity/peer-id';
import type { LookupReply } from '../../core/registry/protocol';
import { HttpError, noteForLog } from '../../http-server';
import type { RegistryStore } from '../store/registry-store';

export interface LookupDependencies {
  store: RegistryStore;
  now: () => number;
}

export function lookupRoute({ store, now }: LookupDependencies) {
  return async (request: FastifyRequest<{ Params: { peerId: string } }>): Promise<LookupReply> => {
    let peerId: string;
    try {
      peerId = parsePeerId(request.params.peerId);
    } catch (err) {
      throw new HttpError(400, 'malformed-peer-id', (err as Error).message);
    }
    noteForLog(request, { peer: peerId });
    const entry = await store.find(peerId, now());
    if (!entry) {
      throw new HttpError(404, 'peer-not-registered', `peer ${peerId} is not registered here, or its entry expired: it announces itself while it is receiving`);
    }
    return {
      peerId,
      announcement: { payload: entry.payload.toString('base64'), signature: entry.signature.toString('base64') },
      ...(entry.observed && { observed: entry.observed }),
      lastSeen: entry.lastSeen,
      expiresAt: entry.expiresAt,
    };
  };
}
