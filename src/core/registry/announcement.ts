/**
 * Signed announcements. The peer signs the exact bytes it sends (base64 in
 * the body), so whoever checks them (the registry on arrival, a sender after
 * a look-up) verifies what arrived without re-serializing anything, and a
 * single changed byte breaks the signature.
 */
import { verifySignature, type Identity } from '../identity/keys';
import { parsePeerId, peerIdOf } from '../identity/peer-id';
import {
  announcementPayloadSchema,
  describeIssues,
  protocolVersion,
  signedAnnouncementSchema,
  type PeerAddress,
  type SignedAnnouncement,
} from './protocol';

/** An announcement whose signature and key-to-ID binding have been checked. */
export interface VerifiedAnnouncement {
  peerId: string;
  publicKey: Buffer;
  addresses: PeerAddress[];
  time: number;
  /** The payload and signature bytes exactly as received, for the registry to hand on unchanged. */
  payload: Buffer;
  signature: Buffer;
}

export type OpenedAnnouncement =
  | { ok: true; announcement: VerifiedAnnouncement }
  /** 'malformed': not an announcement at all; 'unauthentic': well-formed, but not from the key owner. */
  | { ok: false; problem: 'malformed' | 'unauthentic'; message: string };

export function signAnnouncement(identity: Identity, addresses: PeerAddress[], time: number): SignedAnnouncement {
  const bytes = Buffer.from(
    JSON.stringify({ version: protocolVersion, peerId: identity.peerId, publicKey: identity.publicKey.toString('base64'), addresses, time }),
  );
  return { payload: bytes.toString('base64'), signature: identity.sign(bytes).toString('base64') };
}

/** Checks a signed announcement (already JSON-parsed) all the way to a verified one. */
export function openAnnouncement(body: unknown): OpenedAnnouncement {
  const envelope = signedAnnouncementSchema.safeParse(body);
  if (!envelope.success) {
    return malformed(`the body must be {"payload": base64, "signature": base64} (${describeIssues(envelope.error)})`);
  }
  const bytes = Buffer.from(envelope.data.payload, 'base64');
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return malformed('the payload is not base64 of a JSON object');
  }
  const payload = announcementPayloadSchema.safeParse(json);
  if (!payload.success) return malformed(`the payload is not a valid announcement (${describeIssues(payload.error)})`);

  let peerId: string;
  try {
    peerId = parsePeerId(payload.data.peerId);
  } catch (err) {
    return malformed((err as Error).message);
  }
  const publicKey = Buffer.from(payload.data.publicKey, 'base64');
  if (publicKey.length !== 32) return malformed(`publicKey must be a raw 32-byte Ed25519 key, not ${publicKey.length} bytes`);
  const signature = Buffer.from(envelope.data.signature, 'base64');
  if (signature.length !== 64) return malformed(`signature must be 64 bytes (Ed25519), not ${signature.length}`);

  if (peerIdOf(publicKey) !== peerId) {
    return unauthentic(`peer ID ${peerId} is not the hash of the public key sent: a peer can announce only its own ID`);
  }
  if (!verifySignature(publicKey, bytes, signature)) {
    return unauthentic('the signature does not match the payload: the announcement was altered, or signed with another key');
  }
  return { ok: true, announcement: { peerId, publicKey, addresses: payload.data.addresses, time: payload.data.time, payload: bytes, signature } };
}

function malformed(message: string): OpenedAnnouncement {
  return { ok: false, problem: 'malformed', message };
}

function unauthentic(message: string): OpenedAnnouncement {
  return { ok: false, problem: 'unauthentic', message };
}
