/**
 * Chunking speed: the content-defined chunker over 512 MiB of random data in
 * 1 MiB reads, against two baselines over the same reads in the same
 * process: SHA-256 (which every chunk will go through anyway) and a plain
 * loop that reads every byte once (the floor for any byte-wise JS scan).
 * Rounds alternate the three, so load from elsewhere skews all alike; each is
 * reported by its median round, and the chunker by its ratio to each.
 *
 * node --import tsx bench/chunking.ts   (BENCH_ROUNDS, default 5)
 */
import { createHash, randomFillSync } from 'node:crypto';
import { FastCdcChunker } from '../src/core/chunk/fastcdc';

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const readSize = 1024 * 1024;
const data = randomFillSync(Buffer.allocUnsafe(512 * readSize));

function reads(): Buffer[] {
  const all: Buffer[] = [];
  for (let start = 0; start < data.length; start += readSize) all.push(data.subarray(start, start + readSize));
  return all;
}

/** Each returns something derived from every byte, so none can be optimized away. */
const contenders: Record<string, (input: Buffer[]) => number> = {
  chunker(input) {
    const chunker = new FastCdcChunker();
    let chunks = 0;
    for (const read of input) chunks += chunker.push(read).length;
    return chunks + (chunker.end() ? 1 : 0);
  },
  'SHA-256'(input) {
    const hash = createHash('sha256');
    for (const read of input) hash.update(read);
    return hash.digest()[0];
  },
  'byte loop'(input) {
    let sum = 0;
    for (const read of input) {
      for (let i = 0; i < read.length; i++) sum = (sum + read[i]) | 0;
    }
    return sum;
  },
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function main(): void {
  const input = reads();
  const names = Object.keys(contenders);
  const seconds = new Map<string, number[]>(names.map((name) => [name, []]));
  for (let round = 1; round <= rounds; round++) {
    // Rotate the order, so no contender always runs first or last.
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const name of order) {
      const started = process.hrtime.bigint();
      const result = contenders[name](input);
      seconds.get(name)!.push(Number(process.hrtime.bigint() - started) / 1e9);
      if (name === 'chunker') process.stdout.write(`round ${round}: ${result} chunks\n`);
    }
  }
  const mbps = (name: string): number => data.length / 1e6 / median(seconds.get(name)!);
  const chunker = mbps('chunker');
  process.stdout.write(
    [
      `${data.length / readSize} MiB of random data in ${readSize / 1024} KiB reads, median of ${rounds} alternating rounds (MB = 10^6 bytes)`,
      ...names.map((name) => `${name.padEnd(10)} ${mbps(name).toFixed(0).padStart(6)} MB/s`),
      `chunker / SHA-256:   ${(chunker / mbps('SHA-256')).toFixed(2)}`,
      `chunker / byte loop: ${(chunker / mbps('byte loop')).toFixed(2)}`,
      '',
    ].join('\n'),
  );
}

main();
