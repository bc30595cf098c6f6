/**
 * Reading stored chunks back out of their packs by byte range: one chunk
 * whole (a reference chunk, to commit or collect garbage), or many as a tar
 * stream named like in packs, read as the stream is consumed.
 */
import { open, type FileHandle } from 'node:fs/promises';
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

/** Bytes read from a pack with one call; a larger chunk is read in pieces of this size. */
const readPieceBytes = 1024 * 1024;
/** Entries are gathered into pieces of about this size, so a read of many small chunks is not one stream write each. */
const outputPieceBytes = 256 * 1024;
/** Packs kept open at once while a read's chunks move between them. */
const maxOpenPacks = 4;

/**
 * The chunks as one tar stream, in the order given; it fails (the answer
 * breaks off) if a pack is shorter than its index says. Each pack is opened
 * once however many of its chunks are asked for, and read by position.
 */
export function chunkTarStream(layout: StoreLayout, chunks: { id: string; location: ChunkLocation }[]): Readable {
  return Readable.from(
    (async function* () {
      const packs = new OpenPacks(layout);
      try {
        let gathered: Buffer[] = [];
        let gatheredBytes = 0;
        const gather = (piece: Buffer) => {
          gathered.push(piece);
          gatheredBytes += piece.length;
        };
        const flush = () => {
          const piece = gathered.length === 1 ? gathered[0]! : Buffer.concat(gathered, gatheredBytes);
          gathered = [];
          gatheredBytes = 0;
          return piece;
        };
        for (const [index, { id, location }] of chunks.entries()) {
          gather(tarHeader(entryName({ id, kind: location.kind }), location.length));
          // The answer has begun before any pack is opened: a pack gone missing breaks it off, as a shorter one does.
          if (index === 0) yield flush();
          const handle = location.length > 0 ? await packs.handleOf(location.packId) : undefined;
          for (let done = 0; done < location.length; ) {
            const want = Math.min(readPieceBytes, location.length - done);
            const piece = Buffer.allocUnsafe(want);
            const { bytesRead } = await handle!.read(piece, 0, want, location.offset + done);
            if (bytesRead !== want) throw cutShort(id, location);
            done += want;
            if (want >= outputPieceBytes) {
              // A large piece goes out as it was read rather than copied into a gathered one.
              if (gatheredBytes > 0) yield flush();
              yield piece;
              continue;
            }
            gather(piece);
            if (gatheredBytes >= outputPieceBytes) yield flush();
          }
          gather(tarPadding(location.length));
          if (gatheredBytes >= outputPieceBytes) yield flush();
        }
        gather(tarEnd);
        yield flush();
      } finally {
        await packs.close();
      }
    })(),
    { objectMode: false },
  );
}

/** The packs one read has open, the least recently used closed beyond maxOpenPacks. */
class OpenPacks {
  private readonly handles = new Map<string, FileHandle>();

  constructor(private readonly layout: StoreLayout) {}

  async handleOf(packId: string): Promise<FileHandle> {
    const known = this.handles.get(packId);
    if (known !== undefined) {
      this.handles.delete(packId);
      this.handles.set(packId, known);
      return known;
    }
    const handle = await open(this.layout.packPath(packId), 'r');
    this.handles.set(packId, handle);
    if (this.handles.size > maxOpenPacks) {
      const [oldest, stale] = this.handles.entries().next().value as [string, FileHandle];
      this.handles.delete(oldest);
      await stale.close();
    }
    return handle;
  }

  async close(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map((handle) => handle.close()));
  }
}

function cutShort(id: string, location: ChunkLocation): UserError {
  return new UserError(`pack ${location.packId} on this receiver is shorter than its index says: chunk ${id} cannot be read`, { code: 'damaged' });
}
