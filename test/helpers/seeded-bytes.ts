/** Reproducible "random" bytes: mulberry32 from `seed`, each 32-bit output written little-endian. */
export function seededBytes(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed | 0;
  for (let i = 0; i < length; i += 4) {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const word = t ^ (t >>> 14);
    for (let b = 0; b < 4 && i + b < length; b++) bytes[i + b] = (word >>> (8 * b)) & 0xff;
  }
  return bytes;
}
