/**
 * The gear table of the content-defined chunker: 256 fixed 32-bit values, one
 * per byte value, that the rolling hash adds as each byte comes in. Every
 * implementation must use exactly these values, or the same file would be cut
 * at different places and nothing would deduplicate between them.
 *
 * Generation, reproducible anywhere: for i = 0..255,
 *   GEAR[i] = the first 4 bytes, read big-endian as an unsigned 32-bit
 *             integer, of SHA-256(UTF-8 bytes of GEAR_SEED followed by the
 *             single byte i).
 * SHA-256 rather than a PRNG so that the rule needs no algorithm beyond one
 * every implementation already has. Check values: GEAR[0] = 0x474d7a73,
 * GEAR[255] = 0xb674f018 (also pinned by the unit tests).
 *
 * The values are kept in an Int32Array, the same 32 bits read as signed:
 * the chunker's hash lives in int32 arithmetic, which JS engines keep in
 * machine registers without boxing.
 */
import { createHash } from 'node:crypto';

export const GEAR_SEED = 'peer-backup/chunker/gear/v1';

function gearTable(): Int32Array {
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    const digest = createHash('sha256').update(GEAR_SEED, 'utf8').update(Uint8Array.of(i)).digest();
    table[i] = digest.readInt32BE(0);
  }
  return table;
}

export const GEAR: Int32Array = gearTable();
