/**
 * Every receiver endpoint but none other runs this first: the request must
 * be signed by the sender's key for this receiver, recently, and only once.
 * The body is not read yet; its length and hash are checked as it arrives.
 */
import type { FastifyRequest } from 'fastify';
import type { Identity } from '../core/identity/keys';
import type { Store } from '../core/store';
import { checkSignedRequest, emptySha256 } from '../core/transfer/signing';
import { noteForLog } from '../http-server';
import { refusal } from './refusals';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated sender's peer ID. */
    sender: string;
  }
}

export interface AuthenticationOptions {
  identity: Identity;
  store: Store;
  now: () => number;
  /** How far a request's signed time may be from this clock. */
  maxClockSkewMs: number;
}

export function authenticateSender({ identity, store, now, maxClockSkewMs }: AuthenticationOptions) {
  return async (request: FastifyRequest): Promise<void> => {
    const declared = request.headers['content-length'];
    if (request.method === 'PUT' && declared === undefined) throw refusal('length-required', 'uploads need a Content-Length header');
    const length = declared === undefined ? 0 : Number(declared);
    const check = checkSignedRequest({ method: request.method, path: request.url, length, headers: request.headers }, identity.peerId);
    if (!check.ok) throw refusal('unauthenticated', check.reason);
    request.sender = check.senderPeerId;
    noteForLog(request, { sender: check.senderPeerId });
    const skew = Math.abs(now() - check.facts.time);
    if (skew > maxClockSkewMs) {
      throw refusal(
        'unauthenticated',
        `the request's time is ${Math.round(skew / 1000)} s away from the receiver's clock (limit ${maxClockSkewMs / 1000} s); check both machines' clocks`,
      );
    }
    if (request.method !== 'PUT' && request.method !== 'POST' && check.facts.sha256 !== emptySha256) {
      throw refusal('bad-request', 'a request without a body must sign the SHA-256 of the empty string');
    }
    if (!(await store.seenNonces.claim(check.facts.nonce, 2 * maxClockSkewMs))) {
      throw refusal('replayed', 'this request was already received once (replayed nonce); it is refused, sign each request anew');
    }
  };
}
