/** Promise wrappers around tar-stream's callback-style pack.entry(). */
import { once } from 'node:events';
import type { Pack } from 'tar-stream';

type EntryHeader = Parameters<Pack['entry']>[0];
type EntryBody = ReturnType<Pack['entry']>;

export interface OpenEntry {
  /** Where the entry's content goes; exactly header.size bytes, then end(). */
  body: EntryBody;
  /** Settles when tar-stream has taken the whole entry. */
  done: Promise<void>;
}

export function startEntry(tarStream: Pack, header: EntryHeader): OpenEntry {
  let body!: EntryBody;
  const done = new Promise<void>((resolve, reject) => {
    body = quiet(tarStream.entry(header, (err) => (err ? reject(err) : resolve())));
  });
  // A cancelled pack rejects entries nobody awaits any more; that is expected, not an unhandled rejection.
  done.catch(() => undefined);
  return { body, done };
}

/** Adds an entry whose content (if any) is already in memory. */
export function addEntry(tarStream: Pack, header: EntryHeader, content?: Buffer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const callback = (err?: Error | null) => (err ? reject(err) : resolve());
    quiet(content === undefined ? tarStream.entry(header, callback) : tarStream.entry(header, content, callback));
  });
}

/** A destroyed pack also fails its entries; the entry callback reports that, so the 'error' event needs no handling. */
function quiet(body: EntryBody): EntryBody {
  body.on('error', () => undefined);
  return body;
}

/** Writes one chunk, waiting while the reader is behind: this is what keeps memory flat. */
export async function writeChunk(body: EntryBody, chunk: Buffer, signal: AbortSignal): Promise<void> {
  if (!body.write(chunk)) await once(body, 'drain', { signal });
}
