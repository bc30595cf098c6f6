/**
 * The chunked store's wire protocol (version 2): the bodies senders and
 * receivers exchange, and the limits both sides hold each other to. A
 * snapshot travels as packs of sealed chunks (tar archives), then as a
 * manifest the sender signs; the receiver commits it only when every chunk it
 * references is stored. docs/PROTOCOL.md describes the bytes.
 */
import * as z from '../schema';

/** Sealed chunks and tree chunks are named by their keyed ID; reference chunks by the SHA-256 of their bytes. Both are 64 lowercase hex digits. */
export const chunkIdPattern = /^[0-9a-f]{64}$/;
const chunkId = z.string().check(z.regex(chunkIdPattern));

/** The suffix of a reference chunk's entry name in a pack: `<sha256>.r`. A sealed chunk's entry is named by its ID alone. */
export const referenceEntrySuffix = '.r';

/** How many IDs one missing-chunks question may ask about. */
export const maxIdsPerQuestion = 20_000;
/** How many chunks one read may ask for, and how many bytes their entries may total. */
export const maxIdsPerRead = 4_096;
export const maxBytesPerRead = 96 * 1024 * 1024;
/** A pack the sender closes once it passes `packTargetBytes`; the receiver refuses one larger than `maxPackBytes`. */
export const packTargetBytes = 32 * 1024 * 1024;
export const maxPackBytes = 64 * 1024 * 1024;
/** A reference chunk holds at most this many 32-byte IDs (2 MiB). */
export const maxIdsPerReferenceChunk = 65_536;
/** The most a JSON body of the chunk protocol may be: a question of 20,000 IDs, or a manifest. */
export const maxJsonBodyBytes = 2 * 1024 * 1024;

/** POST /v2/chunks/missing: which of these does the receiver not hold for me? */
export const missingQuestionSchema = z.object({ ids: z.array(chunkId).check(z.maxLength(maxIdsPerQuestion)) });
export const missingAnswerSchema = z.object({ missing: z.array(chunkId).check(z.maxLength(maxIdsPerQuestion)) });

/** PUT /v2/packs/{packId}: the body is the pack; its ID is the SHA-256 of its bytes. */
export const packAnswerSchema = z.object({ packId: chunkId, chunks: z.int().check(z.nonnegative()) });

/** POST /v2/chunks/read: the receiver answers with a tar stream of these entries, in this order. */
export const readQuestionSchema = z.object({ ids: z.array(chunkId).check(z.minLength(1), z.maxLength(maxIdsPerRead)) });

/**
 * The statement a sender signs for each snapshot. `tree` lists the sealed
 * chunks of its tree in order; `references` the reference chunks that list
 * every other chunk the snapshot needs. The receiver can read this (it must,
 * to commit and to collect garbage) but not the tree.
 */
export const manifestSchema = z.object({
  version: z.literal(2),
  snapshotId: z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/)),
  plan: z.string().check(z.minLength(1), z.maxLength(128)),
  sender: z.string(),
  receiver: z.string(),
  createdAt: z.int(),
  files: z.int().check(z.nonnegative()),
  /** The plaintext bytes of every file in the tree: restore refuses to write more. */
  contentBytes: z.int().check(z.nonnegative()),
  tree: z.array(chunkId).check(z.minLength(1), z.maxLength(10_000)),
  references: z.array(chunkId).check(z.maxLength(10_000)),
});
export type Manifest = z.infer<typeof manifestSchema>;

/** PUT /v2/snapshots/{id}: the signed manifest (a SignedStatement of a Manifest). */
export const commitRequestSchema = z.object({ manifest: z.object({ statement: z.string(), signature: z.string() }) });

/** The 409 answer to a commit that references chunks the receiver does not hold. */
export const missingChunksRefusalSchema = z.object({ error: z.literal('missing-chunks'), message: z.string(), missing: z.array(chunkId).check(z.maxLength(maxIdsPerQuestion)) });

/** GET /v2/snapshots: each committed snapshot, the sender's signed manifest and the receiver's signed receipt. */
export const snapshotListingSchema = z.object({
  snapshots: z.array(z.object({ manifest: z.object({ statement: z.string(), signature: z.string() }), receipt: z.object({ statement: z.string(), signature: z.string() }) })),
});
