/**
 * GET /v2/peers/:peerId: a peer's signed announcement, byte for byte, and
 * the address it came from. Needs no key: the answer is public, and the
 * client checks the signature itself.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LookupReply } from '../../core/registry/protocol';
import { HttpError, noteForLog } from '../../http-server';
import type { PeerEntry, RegistryStore } from '../store/registry-store';
import { rememberingPeerIdParser } from './checked-peer-ids';

export interface LookupDependencies {
  store: RegistryStore;
  now: () => number;
}

const jsonType = 'application/json; charset=utf-8';

/** IDs remembered as checked: the peers of a large company, about 10 MB when full. */
const rememberedPeerIds = 50_000;

export function lookupRoute({ store, now }: LookupDependencies) {
  const parsePeerId = rememberingPeerIdParser(rememberedPeerIds);
  // A cached store hands out the same entry until the peer announces again, so its answer is serialized once.
  const answers = new WeakMap<PeerEntry, string>();
  const answerFor = (entry: PeerEntry): string => {
    let answer = answers.get(entry);
    if (!answer) {
      answer = serializeAnswer(entry);
      answers.set(entry, answer);
    }
    return answer;
  };

  const send = (reply: FastifyReply, entry: PeerEntry | undefined, peerId: string): FastifyReply => {
    if (!entry) {
      throw new HttpError(404, 'peer-not-registered', `peer ${peerId} is not registered here, or its entry expired: it announces itself while it is receiving`);
    }
    return reply.header('content-type', jsonType).send(answerFor(entry));
  };

  // Not async: an entry held in memory is answered in the same turn, without a promise to settle first.
  return (request: FastifyRequest<{ Params: { peerId: string } }>, reply: FastifyReply): FastifyReply | Promise<FastifyReply> => {
    let peerId: string;
    try {
      peerId = parsePeerId(request.params.peerId);
    } catch (err) {
      throw new HttpError(400, 'malformed-peer-id', (err as Error).message);
    }
    noteForLog(request, { peer: peerId });
    const at = now();
    const held = store.inMemory?.(peerId);
    if (held) return send(reply, held.expiresAt > at ? held : undefined, peerId);
    return store.find(peerId, at).then((entry) => send(reply, entry, peerId));
  };
}

function serializeAnswer(entry: PeerEntry): string {
  const answer: LookupReply = {
    peerId: entry.peerId,
    announcement: { payload: entry.payload.toString('base64'), signature: entry.signature.toString('base64') },
    ...(entry.observed && { observed: entry.observed }),
    lastSeen: entry.lastSeen,
    expiresAt: entry.expiresAt,
  };
  return JSON.stringify(answer);
}
