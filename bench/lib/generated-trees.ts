/**
 * Trees for the benches, made the same on every run from a seed: a mixed
 * tree like a working copy (mostly small text files, some larger ones, a
 * few binaries) and a tree of tiny files. Text is words drawn from a fixed
 * vocabulary, so it compresses about as well as source code does.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** xorshift32: fast, seeded, good enough to make varied content. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

const syllables = ['con', 'st', 'ret', 'urn', 'fun', 'ction', 'im', 'port', 'ex', 'val', 'ue', 'da', 'ta', 'pro', 'mise', 'as', 'ync', 'buf', 'fer', 'str', 'ing', 'num', 'ber', 'ob', 'ject'];

function vocabulary(random: () => number): string[] {
  const words: string[] = [];
  for (let i = 0; i < 4096; i++) {
    let word = '';
    const parts = 1 + Math.floor(random() * 4);
    for (let j = 0; j < parts; j++) word += syllables[Math.floor(random() * syllables.length)];
    words.push(word);
  }
  return words;
}

function textOf(size: number, random: () => number, words: string[]): Buffer {
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  let column = 0;
  while (at < size) {
    const word = words[Math.floor(random() * words.length)]!;
    at += out.write(word, at, 'latin1');
    column += word.length;
    if (at >= size) break;
    out[at++] = column > 72 ? 0x0a : 0x20;
    if (column > 72) column = 0;
  }
  return out;
}

function randomBytesOf(size: number, random: () => number): Buffer {
  const out = Buffer.allocUnsafe(size + 4);
  for (let at = 0; at < size; at += 4) out.writeUInt32LE(Math.floor(random() * 0x1_0000_0000), at);
  return out.subarray(0, size);
}

export interface TreeFacts {
  files: number;
  bytes: number;
}

/** About `totalBytes` in `files` files, 100 to a folder, three levels deep. */
export function makeMixedTree(dir: string, files = 50_000, totalBytes = 300 * 1024 * 1024, seed = 7): TreeFacts {
  const random = seededRandom(seed);
  const words = vocabulary(random);
  // Log-normal-ish sizes, then scaled to the total.
  const raw = Array.from({ length: files }, () => Math.exp(random() * random() * 9) * 200);
  const scale = totalBytes / raw.reduce((sum, each) => sum + each, 0);
  let bytes = 0;
  for (let index = 0; index < files; index++) {
    const size = Math.max(1, Math.round(raw[index]! * scale));
    const folder = join(dir, `d${Math.floor(index / 10_000)}`, `m${Math.floor(index / 100) % 100}`);
    if (index % 100 === 0) mkdirSync(folder, { recursive: true });
    const binary = size > 256 * 1024 && random() < 0.3;
    writeFileSync(join(folder, `f${index}.${binary ? 'bin' : 'ts'}`), binary ? randomBytesOf(size, random) : textOf(size, random, words));
    bytes += size;
  }
  return { files, bytes };
}

/** `files` files of 20 to 400 bytes of text, 100 to a folder. */
export function makeTinyTree(dir: string, files = 100_000, seed = 11): TreeFacts {
  const random = seededRandom(seed);
  const words = vocabulary(random);
  let bytes = 0;
  for (let index = 0; index < files; index++) {
    const folder = join(dir, `t${Math.floor(index / 100)}`);
    if (index % 100 === 0) mkdirSync(folder, { recursive: true });
    const size = 20 + Math.floor(random() * 380);
    writeFileSync(join(folder, `n${index}.txt`), textOf(size, random, words));
    bytes += size;
  }
  return { files, bytes };
}

/** One file of `bytes` random bytes, written in 16 MiB pieces. */
export function makeRandomFile(path: string, bytes: number, seed = 13): void {
  const random = seededRandom(seed);
  const piece = 16 * 1024 * 1024;
  writeFileSync(path, Buffer.alloc(0));
  for (let at = 0; at < bytes; at += piece) writeFileSync(path, randomBytesOf(Math.min(piece, bytes - at), random), { flag: 'a' });
}
