/** The receipt a receiver signs for every stored snapshot: what the sender keeps as proof. */
import { z } from 'zod';

export const receiptSchema = z.object({
  version: z.literal(1),
  snapshotId: z.string(),
  plan: z.string(),
  sender: z.string(),
  receiver: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  storedAt: z.number().int(),
});

export type Receipt = z.infer<typeof receiptSchema>;
