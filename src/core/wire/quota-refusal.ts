/**
 * The extra fields of a 507 'quota-exceeded' refusal (docs/PROTOCOL.md,
 * "Refusals"): the figures of the quota, and when forgetting the sender's
 * oldest snapshots would make room, which ones and how many bytes that frees.
 */
import * as z from '../schema';

/** A proposal needing more snapshots than this is not made: the sender is told to ask for a larger quota. */
export const maxProposedSnapshots = 100;

const bytes = z.int().check(z.nonnegative(), z.maximum(Number.MAX_SAFE_INTEGER));

export const quotaRefusalSchema = z.object({
  error: z.literal('quota-exceeded'),
  message: z.string().check(z.maxLength(4096)),
  quota: z.object({ quotaBytes: bytes, usedBytes: bytes, neededBytes: bytes }),
  forget: z.optional(
    z.object({
      snapshotIds: z.array(z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/))).check(z.minLength(1), z.maxLength(maxProposedSnapshots)),
      freesBytes: bytes,
    }),
  ),
});

export type QuotaRefusal = z.infer<typeof quotaRefusalSchema>;
