/**
 * Receiving a pack's body into a temp file while hashing it and parsing it
 * (PackParser), so that a pack is refused as soon as it goes wrong and never
 * has to be read twice. More bytes than declared are refused as they arrive.
 */
import { createWriteStream } from 'node:fs';
import { finished, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../../errors';
import { hashingMeter } from '../../util/hashing-meter';
import { isDiskFull } from '../disk-full';
import type { PackEntry } from './pack-entries';
import { PackParser } from './pack-parser';

export interface ReceivedPack {
  sha256: string;
  entries: PackEntry[];
}

export async function receivePack(body: Readable, temp: string, packId: string, length: number): Promise<ReceivedPack> {
  const meter = hashingMeter({
    limit: { bytes: length, error: () => new UserError(`pack ${packId} is longer than the ${length} bytes declared; nothing was stored`, { code: 'bad-input' }) },
  });
  const parser = new PackParser();
  const parse = new Transform({
    transform(piece: Buffer, _encoding, callback) {
      try {
        parser.push(piece);
        callback(null, piece);
      } catch (err) {
        callback(err as Error);
      }
    },
  });
  // The body is piped, not put in the pipeline: a refusal must not destroy the request,
  // so that the HTTP adapter can still answer why.
  const written = pipeline(meter.stream, parse, createWriteStream(temp, { flags: 'wx', mode: 0o600 }));
  const stopFollowing = finished(body, { writable: false }, (err) => {
    if (err) meter.stream.destroy(err);
  });
  body.pipe(meter.stream);
  try {
    await written;
  } catch (err) {
    body.unpipe(meter.stream);
    if (err instanceof UserError || isDiskFull(err)) throw err;
    if (meter.bytes() < length) throw brokeOff(packId, meter.bytes(), length, err);
    throw err;
  } finally {
    stopFollowing();
  }
  if (meter.bytes() !== length) throw brokeOff(packId, meter.bytes(), length);
  return { sha256: meter.sha256(), entries: parser.finish() };
}

function brokeOff(packId: string, received: number, length: number, cause?: unknown): UserError {
  return new UserError(`pack ${packId} ended after ${received} of ${length} bytes; nothing was stored, send it again`, { code: 'transfer-failed', cause });
}
