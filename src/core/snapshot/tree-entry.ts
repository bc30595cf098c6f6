/**
 * One line of a snapshot's tree: a file, folder or symbolic link, with the
 * IDs of the chunks that hold a file's content, or for a small file the one
 * chunk it shares with others and where in it the file starts (a slice:
 * bytes offset .. offset + size of that chunk). Paths and link targets are
 * bytes (a name need not be valid UTF-8): they travel as JSON strings when
 * they are valid UTF-8 and as base64 otherwise. docs/PROTOCOL.md has the
 * keys. A line from a store is hostile input: decoding checks every field.
 */
import { isUtf8 } from 'node:buffer';
import { chunkIdPattern } from '../wire/chunk-protocol';

/**
 * The most a chunk that slices share may hold. Senders cut a bundle of
 * small files once it holds 1 MiB, and each file in it is under 64 KiB;
 * readers count such a chunk at this size against a read's limit.
 */
export const maxSharedChunkBytes = 1024 * 1024 + 64 * 1024;

export type TreeEntry =
  | { type: 'file'; path: Buffer; mode: number; mtimeMs: number; size: number; chunks: string[]; offset?: number }
  | { type: 'directory'; path: Buffer; mode: number; mtimeMs: number }
  | { type: 'symlink'; path: Buffer; mode: number; mtimeMs: number; target: Buffer };

const typeCodes = { file: 'f', directory: 'd', symlink: 'l' } as const;

export class TreeFormatError extends Error {}

/**
 * The entry as one JSON line, newline included. Built as text, key by key in
 * a fixed order, rather than through JSON.stringify of an object: a backup
 * writes a line per file even when nothing changed, and this is most of
 * that cost. Only the path and link target can need escaping; chunk IDs are
 * hex and the numbers integers.
 */
export function encodeTreeEntry(entry: TreeEntry): string {
  let line = `{${bytesField('p', entry.path)},"t":"${typeCodes[entry.type]}","m":${entry.mode & 0o7777},"mt":${integerJson(entry.mtimeMs)}`;
  if (entry.type === 'file') {
    line += `,"s":${entry.size}`;
    if (entry.chunks.length > 0) line += `,"c":["${entry.chunks.join('","')}"]`;
    if (entry.offset !== undefined) line += `,"o":${entry.offset}`;
  }
  if (entry.type === 'symlink') line += `,${bytesField('l', entry.target)}`;
  return `${line}}\n`;
}

/** JSON.stringify's text for a truncated number: -0 is 0. */
function integerJson(value: number): string {
  return String(Math.trunc(value) || 0);
}

const slash = 0x2f;
const dot = 0x2e;

/** The keys a line may have (docs/PROTOCOL.md, "The tree"). */
const lineKeys = new Set(['p', 'pb', 't', 'm', 'mt', 's', 'c', 'o', 'l', 'lb']);
const maxBytesFieldLength = 64 * 1024;
const maxChunksPerLine = 1_000_000;
/** Standard base64 with padding, as Buffer.toString('base64') writes it. */
const base64Pattern = /^(?:[0-9a-zA-Z+/]{4})*(?:[0-9a-zA-Z+/]{2}==|[0-9a-zA-Z+/]{3}=)?$/;

interface RawLine {
  p?: string;
  pb?: string;
  t: 'f' | 'd' | 'l';
  m: number;
  mt: number;
  s?: number;
  c?: string[];
  o?: number;
  l?: string;
  lb?: string;
}

/**
 * The parsed JSON of a line, each field checked by hand: a restore decodes a
 * line per file, and a schema library's object parse took more time and
 * memory than the rest of the tree's reading put together.
 */
function checkedLine(raw: unknown): RawLine {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw malformed('it is not an object');
  const line = raw as Record<string, unknown>;
  for (const key in line) if (!lineKeys.has(key)) throw malformed(`it has an unknown key "${key.slice(0, 20)}"`);
  if (line.t !== 'f' && line.t !== 'd' && line.t !== 'l') throw malformed('"t" is not "f", "d" or "l"');
  integer(line, 'm', 0, 0o7777, true);
  integer(line, 'mt', -8.64e15, 8.64e15, true);
  integer(line, 's', 0, Number.MAX_SAFE_INTEGER, false);
  integer(line, 'o', 0, maxSharedChunkBytes, false);
  for (const key of ['p', 'l']) text(line, key, (value) => value.length <= maxBytesFieldLength);
  for (const key of ['pb', 'lb']) text(line, key, (value) => value.length <= maxBytesFieldLength && base64Pattern.test(value));
  const chunks = line.c;
  if (chunks !== undefined && !(Array.isArray(chunks) && chunks.length <= maxChunksPerLine && chunks.every((id) => typeof id === 'string' && chunkIdPattern.test(id)))) {
    throw malformed(`"c" is not a list of at most ${maxChunksPerLine} chunk IDs`);
  }
  return line as unknown as RawLine;
}

function integer(line: Record<string, unknown>, key: string, min: number, max: number, required: boolean): void {
  const value = line[key];
  if (value === undefined && !required) return;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) throw malformed(`"${key}" is not an integer from ${min} to ${max}`);
}

function text(line: Record<string, unknown>, key: string, valid: (value: string) => boolean): void {
  const value = line[key];
  if (value !== undefined && !(typeof value === 'string' && valid(value))) throw malformed(`"${key}" is not ${key.endsWith('b') ? 'base64' : 'text'} of at most ${maxBytesFieldLength} characters`);
}

function malformed(why: string): TreeFormatError {
  return new TreeFormatError(`a tree line is malformed: ${why}`);
}

/** Parses one line (without its newline); TreeFormatError says what is wrong with it. */
export function decodeTreeLine(text: string): TreeEntry {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new TreeFormatError('a tree line is not JSON');
  }
  const line = checkedLine(raw);
  const path = oneOf(line.p, line.pb, 'path');
  checkPath(path);
  const common = { path, mode: line.m, mtimeMs: line.mt };
  if (line.t === 'f') {
    if (line.s === undefined || line.l !== undefined || line.lb !== undefined) throw new TreeFormatError('a file line needs a size and no link target');
    if (line.o === undefined) return { type: 'file', ...common, size: line.s, chunks: line.c ?? [] };
    if (line.c?.length !== 1 || line.s === 0 || line.o + line.s > maxSharedChunkBytes) throw new TreeFormatError(`a file line with an offset names one chunk and a slice of it that is not empty and ends within ${maxSharedChunkBytes} bytes`);
    return { type: 'file', ...common, size: line.s, chunks: line.c, offset: line.o };
  }
  if (line.s !== undefined || line.c !== undefined || line.o !== undefined) throw new TreeFormatError('only a file line has a size, chunks or an offset');
  if (line.t === 'd') {
    if (line.l !== undefined || line.lb !== undefined) throw new TreeFormatError('a folder line has no link target');
    return { type: 'directory', ...common };
  }
  return { type: 'symlink', ...common, target: oneOf(line.l, line.lb, 'link target') };
}

/** `"key":"text"` for valid UTF-8, else `"keyb":"base64"`. */
function bytesField(key: string, value: Buffer): string {
  return isUtf8(value) ? `"${key}":${JSON.stringify(value.toString('utf8'))}` : `"${key}b":"${value.toString('base64')}"`;
}

function oneOf(text: string | undefined, base64: string | undefined, what: string): Buffer {
  if ((text === undefined) === (base64 === undefined)) throw new TreeFormatError(`a tree line needs its ${what} once, as text or as base64`);
  return text !== undefined ? Buffer.from(text, 'utf8') : Buffer.from(base64!, 'base64');
}

/** Relative, '/'-separated, no empty, '.' or '..' parts, no NUL: a path that cannot leave the restore's target. Read in place, byte by byte: every restored entry passes here. */
function checkPath(path: Buffer): void {
  if (path.length === 0) throw new TreeFormatError('a tree path is empty or holds a NUL byte');
  let partStart = 0;
  for (let at = 0; at <= path.length; at++) {
    const byte = at < path.length ? path[at]! : slash;
    if (byte === 0) throw new TreeFormatError('a tree path is empty or holds a NUL byte');
    if (byte !== slash) continue;
    const partLength = at - partStart;
    const dots = partLength <= 2 && path[partStart] === dot && (partLength === 1 || path[partStart + 1] === dot);
    if (partLength === 0 || dots) throw new TreeFormatError(`the tree path "${path.toString('utf8').slice(0, 200)}" is not a plain relative path`);
    partStart = at + 1;
  }
}
