/**
 * POST /v2/reachability: a receiver's "can you reach me". The body is the
 * receiver's signed announcement (checked as on /v2/announce, not stored);
 * the registry connects back only to the address the request came from, and
 * only on the port the receiver signed, so it cannot be aimed at anyone
 * else. Each address group gets a few checks a minute.
 */
import type { FastifyRequest } from 'fastify';
import { openAnnouncement } from '../../core/registry/announcement';
import { maxClockSkewMs, type ReachabilityReply } from '../../core/registry/protocol';
import { HttpError, noteForLog } from '../../http-server';
import type { PeerAddress } from '../../core/registry/protocol';
import type { ConnectBackResult } from '../connect-back';

export interface ReachabilityDependencies {
  /** Refuses (429) an address group over its budget of checks. */
  limit: (address: string) => Promise<void>;
  connectBack: (address: PeerAddress, peerId: string) => Promise<ConnectBackResult>;
  now: () => number;
}

export function reachabilityRoute({ limit, connectBack, now }: ReachabilityDependencies) {
  return async (request: FastifyRequest): Promise<ReachabilityReply> => {
    await limit(request.remote);
    const opened = openAnnouncement(request.body);
    if (!opened.ok) {
      throw opened.problem === 'malformed'
        ? new HttpError(400, 'malformed-announcement', opened.message)
        : new HttpError(403, 'unauthentic-announcement', opened.message);
    }
    const { peerId, addresses, time } = opened.announcement;
    noteForLog(request, { peer: peerId });
    if (Math.abs(time - now()) > maxClockSkewMs) {
      throw new HttpError(400, 'clock-skew', `the announcement's time is more than ${maxClockSkewMs / 1000} s from the registry's clock: set this machine's clock right`);
    }
    const address = { host: request.remote, port: addresses[0].port };
    const result = await connectBack(address, peerId);
    noteForLog(request, { reachable: result.reachable });
    return { peerId, address, ...result };
  };
}
