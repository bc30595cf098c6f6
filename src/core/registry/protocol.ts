/**
 * The registry's wire format, shared by the server (which validates requests)
 * and the client (which validates replies). docs/PROTOCOL.md describes it for
 * people; these schemas are the definition.
 */
import { BlockList, isIP } from 'node:net';
import * as z from '../schema';

/** Bumped on any change an older server or client could misread; also the /v2 in every path. */
export const protocolVersion = 2;

/** The path prefix of this version's endpoints. */
export const pathPrefix = `/v${protocolVersion}`;

/** More addresses than any machine needs, few enough to bound what one entry costs. */
export const maxAddresses = 16;

/** How far an announcement's time may be from the clock of whoever checks it. */
export const maxClockSkewMs = 5 * 60 * 1000;

/** "Any address": a socket can listen there, but no one can connect to it. */
const unspecified = new BlockList();
unspecified.addAddress('0.0.0.0', 'ipv4');
unspecified.addAddress('::', 'ipv6');

/** An IP literal someone could connect to: not a name, not "", 0.0.0.0 or ::. */
export function isExplicitIp(host: string): boolean {
  const family = isIP(host);
  return family !== 0 && !unspecified.check(host, family === 6 ? 'ipv6' : 'ipv4');
}

const explicitHost = z.string().check(
  z.maxLength(45),
  z.superRefine((host, context) => {
    if (isExplicitIp(host)) return;
    context.addIssue({
      code: 'custom',
      message:
        host === '' || isIP(host) !== 0
          ? 'must be an explicit IP address: "", 0.0.0.0 and :: are refused since version 2, so list the addresses this machine can be reached on'
          : 'must be an IP address, not a name',
    });
  }),
);
const port = z.int().check(z.minimum(1), z.maximum(65535));

/** An address as the peer signs it. */
export const peerAddressSchema = z.strictObject({ host: explicitHost, port });
export type PeerAddress = z.infer<typeof peerAddressSchema>;

/** An address in a reply; replies may gain fields, so unknown ones are ignored. */
const replyAddressSchema = z.object({ host: explicitHost, port });

/** What a peer signs. `time` (ms since the epoch) doubles as the sequence number. */
export const announcementPayloadSchema = z.strictObject({
  version: z.literal(protocolVersion, { error: `unsupported version: this registry speaks version ${protocolVersion}; update Peer Backup` }),
  peerId: z.string().check(z.maxLength(64)),
  publicKey: z.base64().check(z.minLength(1)),
  addresses: z.array(peerAddressSchema).check(z.minLength(1), z.maxLength(maxAddresses)),
  time: z.int().check(z.positive()),
});
export type AnnouncementPayload = z.infer<typeof announcementPayloadSchema>;

/**
 * The body of POST /v2/announce, and the announcement a look-up returns: the
 * payload's exact JSON bytes in base64 and the Ed25519 signature of those
 * bytes, so nothing needs canonicalizing.
 */
export const signedAnnouncementSchema = z.strictObject({
  payload: z.base64().check(z.minLength(1)),
  signature: z.base64().check(z.minLength(1)),
});
export type SignedAnnouncement = z.infer<typeof signedAnnouncementSchema>;

export const announceReplySchema = z.object({
  peerId: z.string(),
  /** The signed addresses, as stored. */
  addresses: z.array(replyAddressSchema),
  /** The unsigned hint look-ups will carry: where this announcement came from, when that is not a signed address. */
  observed: z.optional(replyAddressSchema),
  lastSeen: z.int(),
  expiresAt: z.int(),
  /** Seconds until the peer should announce again, well before `expiresAt`. */
  reannounceAfter: z.int().check(z.positive()),
  /**
   * Seconds between the peer's look-ups of its own entry: a registry that
   * lost its entries (restarted with an empty database) has each back within
   * that time.
   */
  checkAfter: z.int().check(z.positive()),
});
export type AnnounceReply = z.infer<typeof announceReplySchema>;

/** GET /v2/peers/:peerId. Nothing here is taken on the registry's word: the client checks the announcement itself. */
export const lookupReplySchema = z.object({
  peerId: z.string(),
  /** The peer's newest announcement, byte for byte as the peer signed it. */
  announcement: signedAnnouncementSchema,
  /**
   * Unsigned: the source address of that announcement, with the port of the
   * first signed address, when it is not among the signed hosts. A peer
   * behind NAT is reachable there, but anyone who relays a captured
   * announcement sets it, so senders try it last.
   */
  observed: z.optional(replyAddressSchema),
  lastSeen: z.int(),
  expiresAt: z.int(),
});
export type LookupReply = z.infer<typeof lookupReplySchema>;

/**
 * POST /v2/reachability answers a receiver's "can you reach me": its body is
 * a signed announcement (as for /v2/announce, not stored), and the registry
 * connects back to the address the request came from, on the announced port
 * only, completes a TLS handshake and checks that the certificate is the
 * announcing peer's.
 */
export const reachabilityReplySchema = z.object({
  peerId: z.string(),
  /** Where the registry tried: the request's source address and the announced port. */
  address: replyAddressSchema,
  reachable: z.boolean(),
  /** Why not, when not reachable. */
  reason: z.optional(z.string().check(z.maxLength(500))),
});
export type ReachabilityReply = z.infer<typeof reachabilityReplySchema>;

/** What a look-up yields once the client has checked the announcement. */
export interface PeerRecord {
  peerId: string;
  /** Base64 of the raw Ed25519 key, which hashes to `peerId`. */
  publicKey: string;
  /** The addresses the peer signed. */
  addresses: PeerAddress[];
  /** The registry's unsigned hint: the address it saw the announcement come from. */
  observed?: PeerAddress;
  /** The signed announcement time (ms). */
  announcedAt: number;
  lastSeen: number;
  expiresAt: number;
}

/** Every 4xx and 5xx: a stable code for programs and a sentence for people. */
export const errorReplySchema = z.object({ error: z.string(), message: z.string() });
export type ErrorReply = z.infer<typeof errorReplySchema>;

/** zod issues as one line: "addresses.0.port: Too big: expected number to be <=65535; time: ...". */
export function describeIssues(error: z.core.$ZodError): string {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : 'body'}: ${issue.message}`).join('; ');
}
