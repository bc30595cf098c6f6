/**
 * Signed requests and signed statements between a sender and a receiver.
 *
 * A sender signs every request over what the receiver must be able to trust:
 * method, path (with query), time, nonce, body length and body SHA-256, and
 * the receiver it is meant for (so a request cannot be replayed to another
 * receiver). The receiver signs its receipts, so the sender can check them
 * against the destination's key, which its TLS certificate proved.
 */
import { createHash, randomBytes } from 'node:crypto';
import { verifySignature, type Identity } from '../identity/keys';
import { peerIdOf } from '../identity/peer-id';

export const protocolVersion = 1;

export const headers = {
  peer: 'x-peer-backup-peer',
  key: 'x-peer-backup-key',
  time: 'x-peer-backup-time',
  nonce: 'x-peer-backup-nonce',
  contentSha256: 'x-peer-backup-content-sha256',
  signature: 'x-peer-backup-signature',
} as const;

export const emptySha256 = createHash('sha256').digest('hex');

export interface RequestFacts {
  method: string;
  /** Path and query exactly as sent, e.g. /v1/snapshots/abc?plan=nightly */
  path: string;
  time: number;
  nonce: string;
  length: number;
  sha256: string;
  receiverPeerId: string;
}

function requestBytes(facts: RequestFacts): Buffer {
  return Buffer.from(
    [`peer-backup-request/${protocolVersion}`, facts.method.toUpperCase(), facts.path, facts.time, facts.nonce, facts.length, facts.sha256, facts.receiverPeerId].join('\n'),
  );
}

/** The headers that authenticate one request from `sender` to `receiverPeerId`. */
export function signRequest(
  sender: Identity,
  request: { method: string; path: string; length: number; sha256: string; receiverPeerId: string },
  now: number = Date.now(),
): Record<string, string> {
  const facts: RequestFacts = { ...request, time: now, nonce: randomBytes(16).toString('base64url') };
  return {
    [headers.peer]: sender.peerId,
    [headers.key]: sender.publicKey.toString('base64'),
    [headers.time]: String(facts.time),
    [headers.nonce]: facts.nonce,
    [headers.contentSha256]: facts.sha256,
    [headers.signature]: sender.sign(requestBytes(facts)).toString('base64'),
  };
}

export type RequestCheck = { ok: true; senderPeerId: string; facts: RequestFacts } | { ok: false; reason: string };

/**
 * Checks a request's signature and that the key belongs to the claimed peer.
 * Freshness (time window, nonce reuse) and the allow list are the receiver's
 * next checks; they need its state.
 */
export function checkSignedRequest(
  request: { method: string; path: string; length: number; headers: Record<string, string | string[] | undefined> },
  receiverPeerId: string,
): RequestCheck {
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const peer = header(headers.peer);
  const key = header(headers.key);
  const time = Number(header(headers.time));
  const nonce = header(headers.nonce);
  const sha256 = header(headers.contentSha256);
  const signature = header(headers.signature);
  if (!peer || !key || !nonce || !sha256 || !signature || !Number.isSafeInteger(time)) {
    return { ok: false, reason: 'the request is not signed: every request needs the x-peer-backup-* headers (see docs/PROTOCOL.md)' };
  }
  if (!/^[0-9a-f]{64}$/.test(sha256) || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) {
    return { ok: false, reason: 'malformed x-peer-backup-content-sha256 or x-peer-backup-nonce header' };
  }
  const publicKey = Buffer.from(key, 'base64');
  if (publicKey.length !== 32 || peerIdOf(publicKey) !== peer) {
    return { ok: false, reason: `the key presented is not the key of peer ${peer}` };
  }
  const facts: RequestFacts = { method: request.method, path: request.path, time, nonce, length: request.length, sha256, receiverPeerId };
  if (!verifySignature(publicKey, requestBytes(facts), Buffer.from(signature, 'base64'))) {
    return { ok: false, reason: 'the request signature does not match its method, path, time, nonce, length, content hash or receiver' };
  }
  return { ok: true, senderPeerId: peer, facts };
}

/** A statement signed by one peer: the exact JSON bytes travel base64-encoded, so nothing is re-serialized before checking. */
export interface SignedStatement {
  statement: string;
  signature: string;
}

export function signStatement(signer: Identity, value: unknown): SignedStatement {
  const bytes = Buffer.from(JSON.stringify(value));
  return { statement: bytes.toString('base64'), signature: signer.sign(bytes).toString('base64') };
}

/** The statement's value if `publicKey` signed it, else undefined. */
export function openStatement(signed: SignedStatement, publicKey: Buffer): unknown {
  const bytes = Buffer.from(signed.statement, 'base64');
  if (!verifySignature(publicKey, bytes, Buffer.from(signed.signature, 'base64'))) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}
