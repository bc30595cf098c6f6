/**
 * The recovery kit's two exchanges with a receiver:
 *
 * - `PUT /v2/recovery-kit` (signed like every sender request, allowed
 *   senders only): `{lookupId, verifierHash, kit}`; `201` stored, `200` the
 *   same kit was already there. A sender keeps one kit per receiver: a new
 *   one replaces it.
 * - `POST /v2/recovery-kit/open` (no signature: the machine asking has
 *   lost its key): `{lookupId, verifier}`; `200 {kit}` when the verifier's
 *   SHA-256 is the one stored under that lookup ID, else `404` whether or
 *   not a kit exists there. Rate-limited per address and per lookup ID.
 */
import * as z from '../schema';
import { sealedKitSchema } from './kit-seal';

const hex64 = z.string().check(z.regex(/^[0-9a-f]{64}$/));

export const kitUploadSchema = z.object({ lookupId: hex64, verifierHash: hex64, kit: sealedKitSchema });
export type KitUpload = z.infer<typeof kitUploadSchema>;

export const kitOpenRequestSchema = z.object({ lookupId: hex64, verifier: hex64 });
export const kitOpenAnswerSchema = z.object({ kit: sealedKitSchema });

/** A kit is about a kilobyte; the bodies are held to this. */
export const maxKitBodyBytes = 16 * 1024;
