/**
 * The recovery code: 24 words of the BIP-39 English list, carrying 256 bits
 * from a secure random generator (plus an 8-bit checksum the last word
 * holds). A person writes it down; a typo is caught here, before any network
 * exchange, by the word list and the checksum.
 */
import { randomBytes } from 'node:crypto';
import { UserError } from '../errors';

export const recoveryCodeWords = 24;
const entropyBytes = 32;

export async function generateRecoveryCode(): Promise<string> {
  const { bip39, wordlist } = await bip39English();
  return bip39.entropyToMnemonic(randomBytes(entropyBytes), wordlist);
}

/** The code's 32 bytes of entropy; spacing and letter case do not matter. */
export async function recoveryCodeEntropy(code: string): Promise<Buffer> {
  const { bip39, wordlist } = await bip39English();
  const words = code.trim().toLowerCase().split(/\s+/).filter((word) => word !== '');
  if (words.length !== recoveryCodeWords) {
    throw new UserError(`A recovery code is ${recoveryCodeWords} words; this one has ${words.length}. Type it again from where you wrote it down.`, { code: 'bad-input' });
  }
  const unknown = words.findIndex((word) => !wordlist.includes(word));
  if (unknown >= 0) {
    throw new UserError(`Word ${unknown + 1} of the recovery code is not one a recovery code uses: check its spelling where you wrote the code down.`, { code: 'bad-input' });
  }
  const normal = words.join(' ');
  if (!bip39.validateMnemonic(normal, wordlist)) {
    throw new UserError('The recovery code\'s words are all valid but do not fit together (its checksum fails): a word is wrong or out of order. Check it word by word.', { code: 'bad-input' });
  }
  return Buffer.from(bip39.mnemonicToEntropy(normal, wordlist));
}

/** The word list library is published as an ECMAScript module only, so it is imported dynamically. */
async function bip39English() {
  const [bip39, { wordlist }] = await Promise.all([import('@scure/bip39'), import('@scure/bip39/wordlists/english.js')]);
  return { bip39, wordlist };
}
