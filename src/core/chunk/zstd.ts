/**
 * Zstandard, the codec of sealed chunks: the only module that loads the
 * `zstd-napi` addon, so moving to node:zlib's own Zstandard (Node 22.15 and
 * later) means rewriting this file alone.
 *
 * Each thread keeps one compression context, one decompression context and
 * one output buffer and reuses them: a fresh context and output buffer per
 * chunk cost more in page faults than the compression itself.
 */
import { CCtx, DCtx, compressBound, findFrameCompressedSize, getFrameContentSize } from 'zstd-napi/binding';

/** Level 3 (docs/PROTOCOL.md, "Codec"). */
export const zstdLevel = 3;

let compressor: CCtx | undefined;
let decompressor: DCtx | undefined;
let scratch = Buffer.alloc(0);

/**
 * `plaintext` as one Zstandard frame that records its content size. The
 * result is a view of this thread's output buffer, valid only until the next
 * call: use it (or copy it) at once.
 */
export function zstdCompressToScratch(plaintext: Buffer): Buffer {
  const bound = compressBound(plaintext.length);
  if (scratch.length < bound) scratch = Buffer.allocUnsafe(bound);
  compressor ??= new CCtx();
  return scratch.subarray(0, compressor.compress(scratch, plaintext, zstdLevel));
}

export type ZstdRefusal = 'not-one-frame' | 'too-large';

/**
 * The content of `frame`, which must be exactly one Zstandard frame that
 * records a content size of at most `maxBytes`: nothing larger is ever
 * allocated. Returns why not, instead, when it is not; throws when the frame
 * does not decode.
 */
export function zstdDecompress(frame: Buffer, maxBytes: number): Buffer | ZstdRefusal {
  let size: number | null;
  try {
    if (findFrameCompressedSize(frame) !== frame.length) return 'not-one-frame';
    size = getFrameContentSize(frame);
  } catch {
    return 'not-one-frame';
  }
  if (size === null) return 'not-one-frame';
  if (size > maxBytes) return 'too-large';
  const content = Buffer.allocUnsafe(size);
  decompressor ??= new DCtx();
  if (decompressor.decompress(content, frame) !== size) return 'not-one-frame';
  return content;
}
