/**
 * What to compress and encrypt chunks with: Deflate levels 1, 3, 6, Brotli
 * qualities 1, 3, 5 (generic mode, the largest standard window) and
 * Zstandard levels 1, 3, 6 (each into a reused output buffer, copied out, as
 * sealing does) on a source
 * tree cut into 1 MiB pieces and on random bytes; AES-256-GCM against
 * ChaCha20-Poly1305; HMAC-SHA-256; and sealChunk/openChunk end to end.
 *
 * Throughput is given per CPU-second of this process (the work runs on the
 * main thread), which load elsewhere on the machine skews far less than wall
 * time, and also per wall second. Rounds alternate the candidates and each is
 * reported by its best round. The codec is picked by a rule: the best ratio
 * among those that compress at least 150 MB per CPU-second, so a 2-core
 * machine keeps up with gigabit LAN (125 MB/s) on one core.
 *
 * node --import tsx bench/chunk-codecs.ts [TREE]   (default: this project's node_modules; BENCH_PIECES, default 64; BENCH_ROUNDS, default 3)
 */
import { createCipheriv, createHmac, randomBytes, type CipherChaCha20Poly1305, type CipherGCM } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, constants, deflateRawSync, gzipSync, inflateRawSync } from 'node:zlib';
import { CCtx, DCtx, compressBound, getFrameContentSize } from 'zstd-napi/binding';
import { chunkIdOf } from '../src/core/chunk/chunk-id';
import { deriveChunkKeys, generateStorageSecret } from '../src/core/chunk/chunk-keys';
import { openChunk, sealChunk } from '../src/core/chunk/chunk-seal';

const tree = realpathSync(resolve(process.argv[2] ?? join(__dirname, '..', 'node_modules')));
const pieceCount = Number(process.env.BENCH_PIECES ?? 64);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const pieceBytes = 1024 * 1024;
const randomPieceCount = 16;
const minCompressMBps = 150;

interface Codec {
  name: string;
  compress(data: Buffer): Buffer;
  decompress(data: Buffer): Buffer;
}

const deflate = (level: number): Codec => ({
  name: `deflate ${level}`,
  compress: (data) => deflateRawSync(data, { level }),
  decompress: (data) => inflateRawSync(data),
});

const brotli = (quality: number): Codec => ({
  name: `brotli ${quality}`,
  compress: (data) =>
    brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_GENERIC,
        [constants.BROTLI_PARAM_QUALITY]: quality,
        [constants.BROTLI_PARAM_LGWIN]: constants.BROTLI_MAX_WINDOW_BITS,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }),
  decompress: (data) => brotliDecompressSync(data),
});

const zstdScratch = Buffer.allocUnsafe(compressBound(pieceBytes));
const zstdCompressor = new CCtx();
const zstdDecompressor = new DCtx();
const zstd = (level: number): Codec => ({
  name: `zstd ${level}`,
  compress: (data) => Buffer.from(zstdScratch.subarray(0, zstdCompressor.compress(zstdScratch, data, level))),
  decompress: (data) => {
    const out = Buffer.allocUnsafe(getFrameContentSize(data)!);
    zstdDecompressor.decompress(out, data);
    return out;
  },
});

const codecs = [deflate(1), deflate(3), deflate(6), brotli(1), brotli(3), brotli(5), zstd(1), zstd(3), zstd(6)];

/** Every regular file under `root`, in a stable order; symlinks are not followed. */
function filesUnder(root: string): string[] {
  const found: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) found.push(path);
    }
  };
  walk(root);
  return found;
}

/** The tree's files end to end, cut into 1 MiB pieces, of which `pieceCount` evenly spaced ones are kept so the sample spans the whole tree. */
function corpusPieces(files: string[]): { pieces: Buffer[]; treeBytes: number } {
  const treeBytes = files.reduce((sum, file) => sum + lstatSync(file).size, 0);
  const stride = Math.max(1, Math.floor(treeBytes / pieceBytes) / pieceCount);
  const pieces: Buffer[] = [];
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let index = 0;
  for (const file of files) {
    pending.push(readFileSync(file));
    pendingBytes += pending.at(-1)!.length;
    while (pendingBytes >= pieceBytes && pieces.length < pieceCount) {
      const joined = Buffer.concat(pending);
      if (index++ >= Math.floor(pieces.length * stride)) pieces.push(Buffer.from(joined.subarray(0, pieceBytes)));
      pending = [joined.subarray(pieceBytes)];
      pendingBytes = pending[0]!.length;
    }
    if (pieces.length === pieceCount) break;
  }
  return { pieces, treeBytes };
}

interface Speed {
  /** MB per CPU-second of this process. */
  cpu: number;
  /** MB per wall second. */
  wall: number;
}

function measure(bytes: number, work: () => void): Speed {
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  work();
  const wallSeconds = (performance.now() - wallBefore) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { cpu: bytes / 1e6 / cpuSeconds, wall: bytes / 1e6 / wallSeconds };
}

const best = (speeds: Speed[]): Speed => ({ cpu: Math.max(...speeds.map((s) => s.cpu)), wall: Math.max(...speeds.map((s) => s.wall)) });
const sum = (buffers: Buffer[]) => buffers.reduce((total, buffer) => total + buffer.length, 0);
const fixed = (value: number, digits: number, width: number) => value.toFixed(digits).padStart(width);
const speedCells = (speed: Speed) => `${fixed(speed.cpu, 0, 6)} ${fixed(speed.wall, 0, 6)}`;

function aeadSeal(newCipher: () => CipherGCM | CipherChaCha20Poly1305, data: Buffer): void {
  const cipher = newCipher();
  cipher.update(data);
  cipher.final();
  cipher.getAuthTag();
}

function main(): void {
  const files = filesUnder(tree);
  const { pieces, treeBytes } = corpusPieces(files);
  const random = Array.from({ length: randomPieceCount }, () => randomBytes(pieceBytes));
  const corpusBytes = sum(pieces);
  const randomBytesTotal = sum(random);
  process.stdout.write(
    `Corpus: ${tree}\n        ${files.length} files, ${(treeBytes / 1e6).toFixed(0)} MB, as ${pieces.length} pieces of 1 MiB spread over it; plus ${random.length} MiB of random bytes. Best of ${rounds} alternating rounds.\n\n`,
  );

  // Codecs: compress and decompress the corpus, compress random bytes; rounds alternate the codecs.
  const results = codecs.map((codec) => ({ codec, compress: [] as Speed[], decompress: [] as Speed[], random: [] as Speed[], compressed: [] as Buffer[], randomOut: 0 }));
  for (let round = 0; round < rounds; round++) {
    for (const result of results) {
      result.compress.push(measure(corpusBytes, () => (result.compressed = pieces.map((piece) => result.codec.compress(piece)))));
      result.decompress.push(measure(corpusBytes, () => result.compressed.forEach((piece) => result.codec.decompress(piece))));
      let randomOut = 0;
      result.random.push(measure(randomBytesTotal, () => random.forEach((piece) => (randomOut += result.codec.compress(piece).length))));
      result.randomOut = randomOut;
    }
  }
  const reference = results[0]!;
  process.stdout.write(
    [
      '                    corpus                                                     random bytes',
      '               compress            decompress      ratio  size          compress       bytes added',
      'codec          MB/cpu-s  MB/s  rel  MB/cpu-s  MB/s          rel          MB/cpu-s  MB/s  per MiB',
      ...results.map((r) => {
        const compress = best(r.compress);
        return [
          r.codec.name.padEnd(14),
          speedCells(compress),
          fixed(compress.cpu / best(reference.compress).cpu, 2, 5),
          ` ${speedCells(best(r.decompress))}`,
          fixed(corpusBytes / sum(r.compressed), 2, 6),
          fixed(sum(r.compressed) / sum(reference.compressed), 2, 5),
          `        ${speedCells(best(r.random))}`,
          fixed((r.randomOut - randomBytesTotal) / random.length, 0, 6),
        ].join(' ');
      }),
      `(rel: against ${reference.codec.name} in this run)`,
      '',
    ].join('\n'),
  );
  const eligible = results.filter((r) => best(r.compress).cpu >= minCompressMBps);
  const picked = eligible.sort((a, b) => sum(a.compressed) - sum(b.compressed))[0];
  process.stdout.write(
    picked
      ? `Pick (best ratio at >= ${minCompressMBps} MB per CPU-second to compress): ${picked.codec.name}\n\n`
      : `Pick: no codec compresses at >= ${minCompressMBps} MB per CPU-second here; the fastest is the fallback\n\n`,
  );

  // The stored-as-is threshold, for the picked codec, on the corpus, on data compressed already (the corpus
  // gzipped, as .gz, .zip, images and fonts in a workspace are) and on random bytes.
  const chosen = picked ?? [...results].sort((a, b) => best(b.compress).cpu - best(a.compress).cpu)[0]!;
  const gzipped = Buffer.concat(pieces.map((piece) => gzipSync(piece, { level: 6 })));
  const precompressed = Array.from({ length: Math.floor(gzipped.length / pieceBytes) }, (_, i) => gzipped.subarray(i * pieceBytes, (i + 1) * pieceBytes));
  const savingsOf = (set: Buffer[]) => set.map((piece) => 1 - chosen.codec.compress(piece).length / piece.length).sort((a, b) => a - b);
  const percent = (fraction: number) => `${(fraction * 100).toFixed(1)}%`;
  const sets = [
    { name: 'corpus', savings: savingsOf(pieces) },
    { name: 'gzipped corpus', savings: savingsOf(precompressed) },
    { name: 'random bytes', savings: savingsOf(random) },
  ];
  process.stdout.write(
    [
      `${chosen.codec.name}, saving per 1 MiB piece        lowest  median  highest   pieces saving less than 1/32  1/16  1/8`,
      ...sets.map(({ name, savings }) => {
        const below = (divisor: number) => String(savings.filter((saving) => saving < 1 / divisor).length).padStart(4);
        return `  ${`${name} (${savings.length})`.padEnd(38)} ${percent(savings[0]!).padStart(6)}  ${percent(savings[Math.floor(savings.length / 2)]!).padStart(6)}  ${percent(savings.at(-1)!).padStart(7)}                          ${below(32)}  ${below(16)}  ${below(8)}`;
      }),
      '',
    ].join('\n'),
  );

  // AEADs, HMAC and the whole seal/open path, rounds alternating.
  const key = randomBytes(32);
  const keys = deriveChunkKeys(generateStorageSecret());
  // The primitives run at a GB/s or so: several passes over the corpus make each timing long enough to trust.
  const primitivePasses = 8;
  const overCorpus = (work: (piece: Buffer) => void) => () => {
    for (let pass = 0; pass < primitivePasses; pass++) pieces.forEach(work);
  };
  const primitives: { name: string; bytes: number; run: () => void }[] = [
    { name: 'AES-256-GCM seal', bytes: corpusBytes * primitivePasses, run: overCorpus((piece) => aeadSeal(() => createCipheriv('aes-256-gcm', key, randomBytes(12), { authTagLength: 16 }), piece)) },
    { name: 'ChaCha20-Poly1305 seal', bytes: corpusBytes * primitivePasses, run: overCorpus((piece) => aeadSeal(() => createCipheriv('chacha20-poly1305', key, randomBytes(12), { authTagLength: 16 }), piece)) },
    { name: 'HMAC-SHA-256', bytes: corpusBytes * primitivePasses, run: overCorpus((piece) => createHmac('sha256', key).update(piece).digest()) },
    { name: 'chunk ID (HMAC, KeyObject)', bytes: corpusBytes * primitivePasses, run: overCorpus((piece) => chunkIdOf(keys.chunkIdKey, piece)) },
  ];
  const sealed = pieces.map((piece) => sealChunk(keys, piece));
  const pipeline: { name: string; bytes: number; run: () => void }[] = [
    { name: 'sealChunk (ID+compress+AEAD)', bytes: corpusBytes, run: () => pieces.forEach((piece) => sealChunk(keys, piece)) },
    { name: 'openChunk (AEAD+decompress+ID)', bytes: corpusBytes, run: () => sealed.forEach(({ id, sealed: bytes }) => openChunk(keys, id, bytes)) },
  ];
  const timings = [...primitives, ...pipeline].map((entry) => ({ ...entry, speeds: [] as Speed[] }));
  // A first, untimed round lets the JavaScript around each call settle.
  for (let round = -1; round < rounds; round++) {
    for (const timing of timings) {
      const speed = measure(timing.bytes, timing.run);
      if (round >= 0) timing.speeds.push(speed);
    }
  }
  const aes = best(timings[0]!.speeds).cpu;
  process.stdout.write(
    [
      'on the corpus pieces              MB/cpu-s  MB/s  x AES-256-GCM',
      ...timings.map((t) => `${t.name.padEnd(32)} ${speedCells(best(t.speeds))}   ${fixed(best(t.speeds).cpu / aes, 2, 5)}x`),
      `sealed corpus: ${(sum(sealed.map((s) => s.sealed)) / 1e6).toFixed(1)} MB from ${(corpusBytes / 1e6).toFixed(1)} MB`,
      '',
    ].join('\n'),
  );
}

main();
