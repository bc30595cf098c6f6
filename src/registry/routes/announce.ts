/** POST /v2/announce: store a peer's signed announcement, if it is authentic, new and usable. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { openAnnouncement } from '../../core/registry/announcement';
import { maxClockSkewMs, type AnnounceReply } from '../../core/registry/protocol';
import { HttpError, noteForLog } from '../../http-server';
import { observedAddress, unusableAddress } from '../addresses';
import type { RegistryStore } from '../store/registry-store';

/** A signed announcement is far below this (16 addresses come to about 2 KB). */
export const maxAnnounceBytes = 8 * 1024;

/**
 * How long an entry must outlive its expiry before it may be deleted: a
 * replayed announcement is at most `maxClockSkewMs` old (older ones fail the
 * clock check) and was signed at most `maxClockSkewMs` ahead of the time it
 * was first received, so while the row is kept a replay finds a stored time
 * at least as new and is refused.
 */
export const replayMemoryMs = 2 * maxClockSkewMs;

export interface AnnounceDependencies {
  store: RegistryStore;
  ttlMs: number;
  /** Told to peers: how often to check that their entry is still here. */
  checkAfterSeconds: number;
  /** Stores the entry, or refuses a new peer the registry has no room for (see newPeerGate). */
  admit: (peerId: string, save: () => Promise<boolean>) => Promise<boolean>;
  now: () => number;
}

export function announceRoute({ store, ttlMs, checkAfterSeconds, admit, now }: AnnounceDependencies) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<AnnounceReply> => {
    const opened = openAnnouncement(request.body);
    if (!opened.ok) {
      throw opened.problem === 'malformed'
        ? new HttpError(400, 'malformed-announcement', opened.message)
        : new HttpError(403, 'unauthentic-announcement', opened.message);
    }
    const { peerId, addresses, time, payload, signature } = opened.announcement;
    noteForLog(request, { peer: peerId });
    const receivedAt = now();
    const skew = time - receivedAt;
    if (Math.abs(skew) > maxClockSkewMs) {
      throw new HttpError(
        400,
        'clock-skew',
        `the announcement's time is ${Math.round(Math.abs(skew) / 1000)} s ${skew > 0 ? 'ahead of' : 'behind'} the registry's clock ` +
          `(at most ${maxClockSkewMs / 1000} s either way): set this machine's clock right`,
      );
    }
    const source = request.socket.remoteAddress ?? '';
    const unusable = unusableAddress(addresses, source);
    if (unusable) throw new HttpError(400, 'unusable-address', unusable);
    // Unsigned and apart: whoever relays a captured announcement sets it, so senders try it last.
    const observed = observedAddress(addresses, source);
    const expiresAt = receivedAt + ttlMs;
    const stored = await admit(peerId, () =>
      store.saveIfNewer({ peerId, payload, signature, ...(observed && { observed }), announcedAt: time, lastSeen: receivedAt, expiresAt }),
    );
    if (!stored) {
      throw new HttpError(
        409,
        'stale-announcement',
        `an announcement for ${peerId} at least as new is already stored: this one is a replay or came out of order; announce again`,
      );
    }
    const reannounceAfter = Math.max(1, Math.floor(ttlMs / 3 / 1000));
    void reply.header('reannounce-after', String(reannounceAfter));
    return { peerId, addresses, ...(observed && { observed }), lastSeen: receivedAt, expiresAt, reannounceAfter, checkAfter: checkAfterSeconds };
  };
}
