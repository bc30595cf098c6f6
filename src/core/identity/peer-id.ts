/**
 * Peer IDs name a public key, not a machine: the first 160 bits of the
 * SHA-256 of the raw Ed25519 public key, in base32, with a check character
 * after every 8 characters (Luhn mod 32, as in Syncthing's device IDs), so a
 * mistyped ID is caught before anyone is contacted.
 *
 * Shown as six dash-separated groups of six: ABCDEF-GHIJKL-MNOPQR-STUVWX-YZ2345-67ABCD.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../errors';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const hashBytes = 20;
const chunkLength = 8;
const idLength = 36; // 32 base32 characters + 4 check characters

/** The peer ID of a raw 32-byte Ed25519 public key. */
export function peerIdOf(rawPublicKey: Buffer): string {
  const digest = createHash('sha256').update(rawPublicKey).digest().subarray(0, hashBytes);
  const body = base32(digest);
  let withChecks = '';
  for (let at = 0; at < body.length; at += chunkLength) {
    const chunk = body.slice(at, at + chunkLength);
    withChecks += chunk + luhnCheck(chunk);
  }
  return withChecks.match(/.{6}/g)!.join('-');
}

/**
 * Accepts an ID as people copy it (any case, dashes or spaces, 0/1/8 for O/I/B)
 * and returns its canonical form, or throws a UserError saying what is wrong.
 */
export function parsePeerId(text: string): string {
  const compact = text
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/0/g, 'O')
    .replace(/1/g, 'I')
    .replace(/8/g, 'B');
  const shown = text.trim() || '(empty)';
  if (compact.length !== idLength) {
    throw new UserError(
      `"${shown}" is not a peer ID: a peer ID has ${idLength} letters and digits in groups of six (ask your teammate to run "peer-backup id" or "Copy My Peer ID").`,
    );
  }
  const stray = [...compact].find((char) => !alphabet.includes(char));
  if (stray) {
    throw new UserError(`"${shown}" is not a peer ID: "${stray}" never appears in one (only A-Z and 2-7 do).`);
  }
  for (let group = 0; group < idLength / (chunkLength + 1); group++) {
    const start = group * (chunkLength + 1);
    const chunk = compact.slice(start, start + chunkLength);
    if (compact[start + chunkLength] !== luhnCheck(chunk)) {
      throw new UserError(
        `"${shown}" has a typo: characters ${start + 1}-${start + chunkLength + 1} fail their check; copy the peer ID again.`,
      );
    }
  }
  return compact.match(/.{6}/g)!.join('-');
}

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

function luhnCheck(chunk: string): string {
  let factor = 1;
  let sum = 0;
  for (const char of chunk) {
    const addend = factor * alphabet.indexOf(char);
    factor = factor === 2 ? 1 : 2;
    sum += Math.floor(addend / 32) + (addend % 32);
  }
  return alphabet[(32 - (sum % 32)) % 32];
}
