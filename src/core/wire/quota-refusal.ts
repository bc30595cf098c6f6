/**
 * The extra fields of a 507 'quota-exceeded' refusal (docs/PROTOCOL.md,
 * "Refusals"): the figures of the quota, and when forgetting the sender's
 * oldest snapshots would make room, which ones and how many bytes that frees.
 */
import { z } from 'zod';

/** A proposal needing more snapshots than this is not made: the sender is told to ask for a larger quota. */
export const maxProposedSnapshots = 100;

const bytes = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const quotaRefusalSchema = z.object({
  error: z.literal('quota-exceeded'),
  message: z.string().max(4096),
  quota: z.object({ quotaBytes: bytes, usedBytes: bytes, neededBytes: bytes }),
  forget: z
    .object({
      snapshotIds: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/)).min(1).max(maxProposedSnapshots),
      freesBytes: bytes,
    })
    .optional(),
});

export type QuotaRefusal = z.infer<typeof quotaRefusalSchema>;
