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
const level = 3;

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
  return scratch.subarray(0, compressor.compress(scratch, plaintext, level));
}

/**
 * The content of `frame`, which must be exactly one Zstandard frame that
 * records a content size of at most `maxBytes`: nothing larger is ever
 * allocated. Anything else is refused, with why: 'too-large', or
 * 'malformed' for a body that is not one such frame or does not decode to
 * the size it records.
 */
export function zstdDecompress(frame: Buffer, maxBytes: number): Buffer | 'too-large' | 'malformed' {
  try {
    if (findFrameCompressedSize(frame) !== frame.length) return 'malformed';
    const size = getFrameContentSize(frame);
    if (size === null) return 'malformed';
    if (size > maxBytes) return 'too-large';
    const content = Buffer.allocUnsafe(size);
    decompressor ??= new DCtx();
    return decompressor.decompress(content, frame) === size ? content : 'malformed';
  } catch {
    // The library throws on a frame it cannot parse or decode.
    return 'malformed';
  }
}
