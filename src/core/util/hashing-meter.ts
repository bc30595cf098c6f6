/**
 * A pass-through stream that hashes (SHA-256) and counts what flows through
 * it, for every place that must know a stream's digest and length as it is
 * written: packing to the spool, uploading, receiving, downloading.
 */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

export interface HashingMeterOptions {
  /** Fails the stream with this error as soon as more than `limit` bytes have passed. */
  limit?: { bytes: number; error: () => Error };
  /** Called with the running total after each chunk. */
  onBytes?: (total: number) => void;
}

export interface HashingMeter {
  stream: Transform;
  /** Bytes seen so far. */
  bytes(): number;
  /** The hex SHA-256 of everything seen; call once, after the stream ended. */
  sha256(): string;
}

export function hashingMeter(options: HashingMeterOptions = {}): HashingMeter {
  const hash = createHash('sha256');
  let total = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      if (options.limit && total > options.limit.bytes) {
        callback(options.limit.error());
        return;
      }
      hash.update(chunk);
      options.onBytes?.(total);
      callback(null, chunk);
    },
  });
  return { stream, bytes: () => total, sha256: () => hash.digest('hex') };
}
