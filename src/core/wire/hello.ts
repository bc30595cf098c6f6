/**
 * The first request of every exchange: "may I store here, and how much room
 * is left?". Who the receiver is has already been proven by then, in the
 * TLS handshake of the connection the hello travels on (tls-certificate.ts).
 */
import { z } from 'zod';

export const helloRequestSchema = z.object({
  /** Bytes the sender intends to store, so the answer can say whether they fit. */
  size: z.number().int().nonnegative().optional(),
});

export const helloReplySchema = z.object({
  version: z.number().int(),
  allowed: z.boolean(),
  quotaBytes: z.number().int().nullable(),
  usedBytes: z.number().int().nullable(),
});

export type HelloRequest = z.infer<typeof helloRequestSchema>;
export type HelloReply = z.infer<typeof helloReplySchema>;
