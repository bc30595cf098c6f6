/**
 * The registry's wire format, shared by the server (which validates requests)
 * and the client (which validates replies). docs/PROTOCOL.md describes it for
 * people; these schemas are the definition.
 */
import { isIP } from 'node:net';
import { z } from 'zod';

/** Bumped on any change an older server or client could misread; also the /v1 in every path. */
export const protocolVersion = 1;

/** More addresses than any machine needs, few enough to bound what one entry costs. */
export const maxAddresses = 16;

export const peerAddressSchema = z.strictObject({
  /** An IP literal, or "" for "the address you see this request come from". */
  host: z
    .string()
    .max(45)
    .refine((host) => host === '' || isIP(host) !== 0, 'must be an IP address, or "" for the address the registry sees the request come from'),
  port: z.int().min(1).max(65535),
});
export type PeerAddress = z.infer<typeof peerAddressSchema>;

/** What a peer signs. `time` (ms since the epoch) doubles as the sequence number. */
export const announcementPayloadSchema = z.strictObject({
  version: z.literal(protocolVersion, { error: `unsupported version: this registry speaks version ${protocolVersion}; update Peer Backup` }),
  peerId: z.string().max(64),
  publicKey: z.base64().min(1),
  addresses: z.array(peerAddressSchema).min(1).max(maxAddresses),
  time: z.int().positive(),
});
export type AnnouncementPayload = z.infer<typeof announcementPayloadSchema>;

/**
 * The body of POST /v1/announce: the payload's exact JSON bytes in base64 and
 * the Ed25519 signature of those bytes, so nothing needs canonicalizing.
 */
export const announceRequestSchema = z.strictObject({
  payload: z.base64().min(1),
  signature: z.base64().min(1),
});
export type AnnounceRequest = z.infer<typeof announceRequestSchema>;

export const announceReplySchema = z.object({
  peerId: z.string(),
  /** The addresses as stored: empty hosts filled in, unreachable ones dropped. */
  addresses: z.array(peerAddressSchema),
  lastSeen: z.int(),
  expiresAt: z.int(),
  /** Seconds until the peer should announce again, well before `expiresAt`. */
  reannounceAfter: z.int().positive(),
  /**
   * Seconds between the peer's look-ups of its own entry: a registry that
   * lost its entries (restarted with an empty database) has each back within
   * that time. Absent from older registries.
   */
  checkAfter: z.int().positive().optional(),
});
export type AnnounceReply = z.infer<typeof announceReplySchema>;

/** GET /v1/peers/:peerId. Untrusted by design: callers verify the key against the peer ID. */
export const peerRecordSchema = z.object({
  peerId: z.string(),
  publicKey: z.base64().min(1),
  addresses: z.array(peerAddressSchema),
  lastSeen: z.int(),
  expiresAt: z.int(),
});
export type PeerRecord = z.infer<typeof peerRecordSchema>;

/** Every 4xx and 5xx: a stable code for programs and a sentence for people. */
export const errorReplySchema = z.object({ error: z.string(), message: z.string() });
export type ErrorReply = z.infer<typeof errorReplySchema>;

/** zod issues as one line: "addresses.0.port: Too big: expected number to be <=65535; time: ...". */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : 'body'}: ${issue.message}`).join('; ');
}
