/**
 * The first request of every exchange: "may I store here, and how much room
 * is left?". Who the receiver is has already been proven by then, in the
 * TLS handshake of the connection the hello travels on (tls-certificate.ts).
 */
import * as z from '../schema';

export const helloRequestSchema = z.object({
  /** Bytes the sender intends to store, so the answer can say whether they fit. */
  size: z.optional(z.int().check(z.nonnegative())),
});

export const helloReplySchema = z.object({
  version: z.int(),
  allowed: z.boolean(),
  quotaBytes: z.nullable(z.int()),
  usedBytes: z.nullable(z.int()),
});

export type HelloRequest = z.infer<typeof helloRequestSchema>;
export type HelloReply = z.infer<typeof helloReplySchema>;
