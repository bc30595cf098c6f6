/**
 * The receiver proves who it is before a sender sends a byte: it signs the
 * sender's fresh random challenge together with both peer IDs, and the
 * sender checks that signature with the key whose hash is the destination's
 * peer ID. An address from the registry is only a hint; this is the proof.
 */
import { z } from 'zod';
import { protocolVersion } from './signing';

export const helloRequestSchema = z.object({
  /** 32 random bytes, base64. */
  challenge: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'challenge must be 32 random bytes in base64'),
  /** Bytes the sender intends to store, so the answer can say whether they fit. */
  size: z.number().int().nonnegative().optional(),
});

export const helloReplySchema = z.object({
  version: z.number().int(),
  peerId: z.string(),
  publicKey: z.string(),
  proof: z.string(),
  allowed: z.boolean(),
  quotaBytes: z.number().int().nullable(),
  usedBytes: z.number().int().nullable(),
});

export type HelloRequest = z.infer<typeof helloRequestSchema>;
export type HelloReply = z.infer<typeof helloReplySchema>;

export function helloProofBytes(challenge: string, receiverPeerId: string, senderPeerId: string): Buffer {
  return Buffer.from([`peer-backup-hello/${protocolVersion}`, challenge, receiverPeerId, senderPeerId].join('\n'));
}
