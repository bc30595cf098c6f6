/**
 * The receipt a receiver signs for every stored snapshot: what the sender
 * keeps as proof. Version 1 is an archive snapshot (size and SHA-256 of the
 * archive); version 2 a chunked one (size: the stored bytes of every chunk it
 * references; sha256: of its signed manifest's statement bytes).
 */
import * as z from '../schema';

export const receiptSchema = z.object({
  version: z.union([z.literal(1), z.literal(2)]),
  snapshotId: z.string(),
  plan: z.string(),
  sender: z.string(),
  receiver: z.string(),
  size: z.int().check(z.nonnegative()),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  storedAt: z.int(),
});

export type Receipt = z.infer<typeof receiptSchema>;
