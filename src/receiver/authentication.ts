/**
 * Every receiver endpoint but none other runs this first: the request must
 * be signed by the sender's key for this receiver, recently, and only once,
 * and travel on a TLS connection whose client certificate proves the same
 * peer. The body is not read yet; its length and hash are checked as it arrives.
 *
 * A nonce is written to the database only for a sender that may store here
 * or has snapshots here: a stranger's request changes nothing, so it need
 * not be remembered, and strangers cannot make the owner's database grow.
 */
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { checkSignedRequest, clientCertificate, emptySha256, headers, isDiskFull, type AllowedSender, type Identity, type SnapshotStorage, type Store } from '../core/receive';
import { noteForLog } from '../http-server';
import { refusal } from './refusals';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated sender's peer ID. */
    sender: string;
    /** The sender's entry on the allow list; null when it is not on it. */
    allowedSender: AllowedSender | null;
  }
}

export interface AuthenticationOptions {
  identity: Identity;
  store: Store;
  storage: SnapshotStorage;
  now: () => number;
  /** How far a request's signed time may be from this clock. */
  maxClockSkewMs: number;
}

export function authenticateSender({ identity, store, storage, now, maxClockSkewMs }: AuthenticationOptions) {
  return async (request: FastifyRequest): Promise<void> => {
    const declared = request.headers['content-length'];
    if (request.method === 'PUT' && declared === undefined) throw refusal('length-required', 'uploads need a Content-Length header');
    const length = declared === undefined ? 0 : Number(declared);
    const check = checkSignedRequest({ method: request.method, path: request.url, length, headers: request.headers }, identity.peerId);
    if (!check.ok) throw refusal('unauthenticated', check.reason);
    const client = clientCertificate(request.raw.socket as TLSSocket);
    if (!client.ok || client.peerId !== check.senderPeerId) {
      throw refusal(
        'unauthenticated',
        `the request is signed as ${check.senderPeerId} but its TLS connection is authenticated as ${client.ok ? client.peerId : 'nobody'}: sign as the peer whose certificate the connection presents`,
      );
    }
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
    request.allowedSender = (await store.allowedSenders.find(request.sender)) ?? null;
    if (!request.allowedSender && !storage.holdsAnythingFor(request.sender)) return;
    let fresh: boolean;
    try {
      fresh = await store.seenNonces.claim(check.facts.nonce, 2 * maxClockSkewMs);
    } catch (err) {
      if (isDiskFull(err)) throw refusal('disk-full', `the receiver's disk is full: it cannot record this request in ${store.file}; your teammate must free space`);
      throw err;
    }
    if (!fresh) throw refusal('replayed', 'this request was already received once (replayed nonce); it is refused, sign each request anew');
  };
}

/** A body read whole must be the bytes the sender signed: refused as bad-request otherwise. */
export function checkSignedBody(request: FastifyRequest, body: Buffer): void {
  if (createHash('sha256').update(body).digest('hex') !== request.headers[headers.contentSha256]) throw refusal('bad-request', 'the body does not match its signed SHA-256');
}
