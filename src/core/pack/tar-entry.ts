/** Promise wrappers around tar-stream's callback-style pack.entry(), for entries named by bytes. */
import { once } from 'node:events';
import type { Pack } from 'tar-stream';
import { isUtf8 } from './byte-names';
import { gnuLongNameRecord } from './gnu-long-name';

type TarHeader = Parameters<Pack['entry']>[0];
type EntryBody = ReturnType<Pack['entry']>;

/** A tar-stream header whose name and symlink target are bytes, which need not be valid UTF-8. */
export type EntryHeader = Omit<TarHeader, 'name' | 'linkname'> & { name: Buffer; linkname?: Buffer };

export interface OpenEntry {
  /** Where the entry's content goes; exactly header.size bytes, then end(). */
  body: EntryBody;
  /** Settles when tar-stream has taken the whole entry. */
  done: Promise<void>;
}

/** Entries must be added one at a time, each once the last is done: a long-name record goes out just before its entry. */
export function startEntry(tarStream: Pack, header: EntryHeader): OpenEntry {
  let body!: EntryBody;
  const done = new Promise<void>((resolve, reject) => {
    body = quiet(tarStream.entry(withNames(tarStream, header), (err) => (err ? reject(err) : resolve())));
  });
  // A cancelled pack rejects entries nobody awaits any more; that is expected, not an unhandled rejection.
  done.catch(() => undefined);
  return { body, done };
}

/** Adds an entry whose content (if any) is already in memory. */
export function addEntry(tarStream: Pack, header: EntryHeader, content?: Buffer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const callback = (err?: Error | null) => (err ? reject(err) : resolve());
    const tarHeader = withNames(tarStream, header);
    quiet(content === undefined ? tarStream.entry(tarHeader, callback) : tarStream.entry(tarHeader, content, callback));
  });
}

/**
 * tar-stream writes names as UTF-8 text (a pax record when they are long or
 * not ASCII). A name or target that is not valid UTF-8 goes into GNU
 * long-name records instead, and the header itself gets an ASCII stand-in.
 */
function withNames(tarStream: Pack, header: EntryHeader): TarHeader {
  const { name, linkname } = header;
  if (isUtf8(name) && (linkname === undefined || isUtf8(linkname))) {
    return { ...header, name: name.toString('utf8'), linkname: linkname?.toString('utf8') };
  }
  tarStream.push(gnuLongNameRecord('name', name));
  if (linkname !== undefined) tarStream.push(gnuLongNameRecord('target', linkname));
  return { ...header, name: standIn(name), linkname: linkname && standIn(linkname) };
}

/** Short and ASCII, so tar-stream writes it in the plain header, where the long-name record replaces it. */
function standIn(bytes: Buffer): string {
  return bytes.toString('latin1').replace(/[^\x20-\x7e]/g, '?').slice(-100);
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
