/**
 * Reading stored chunks back out of their packs by byte range: one chunk
 * whole (a reference chunk, to commit or collect garbage), or many as a tar
 * stream named like in packs, read as the stream is consumed.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { UserError } from '../../errors';
import type { ChunkLocation } from './chunk-index';
import { entryName } from './pack-entries';
import type { StoreLayout } from './store-layout';
import { tarEnd, tarHeader, tarPadding } from './tar-header';

/** The chunk's stored bytes; UserError 'damaged' when its pack is shorter than its index says. */
export async function readChunk(layout: StoreLayout, id: string, location: ChunkLocation): Promise<Buffer> {
  const handle = await open(layout.packPath(location.packId), 'r');
  try {
    const bytes = Buffer.alloc(location.length);
    const { bytesRead } = await handle.read(bytes, 0, location.length, location.offset);
    if (bytesRead !== location.length) throw cutShort(id, location);
    return bytes;
  } finally {
    await handle.close();
  }
}

/** The chunks as one tar stream, in the order given; it fails (the answer breaks off) if a pack is shorter than its index says. */
export function chunkTarStream(layout: StoreLayout, chunks: { id: string; location: ChunkLocation }[]): Readable {
  return Readable.from(
    (async function* () {
      for (const { id, location } of chunks) {
        yield tarHeader(entryName({ id, kind: location.kind }), location.length);
        let read = 0;
        if (location.length > 0) {
          for await (const piece of createReadStream(layout.packPath(location.packId), { start: location.offset, end: location.offset + location.length - 1 })) {
            read += (piece as Buffer).length;
            yield piece as Buffer;
          }
        }
        if (read !== location.length) throw cutShort(id, location);
        yield tarPadding(location.length);
      }
      yield tarEnd;
    })(),
    { objectMode: false },
  );
}

function cutShort(id: string, location: ChunkLocation): UserError {
  return new UserError(`pack ${location.packId} on this receiver is shorter than its index says: chunk ${id} cannot be read`, { code: 'damaged' });
}
