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
import * as z from '../schema';
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

const bytes = z.string().check(z.maxLength(64 * 1024));
const lineSchema = z.strictObject({
  p: z.optional(bytes),
  pb: z.optional(z.base64().check(z.maxLength(64 * 1024))),
  t: z.enum(['f', 'd', 'l']),
  m: z.int().check(z.minimum(0), z.maximum(0o7777)),
  mt: z.int().check(z.minimum(-8.64e15), z.maximum(8.64e15)),
  s: z.optional(z.int().check(z.nonnegative(), z.maximum(Number.MAX_SAFE_INTEGER))),
  c: z.optional(z.array(z.string().check(z.regex(chunkIdPattern))).check(z.maxLength(1_000_000))),
  o: z.optional(z.int().check(z.nonnegative(), z.maximum(maxSharedChunkBytes))),
  l: z.optional(bytes),
  lb: z.optional(z.base64().check(z.maxLength(64 * 1024))),
});

/** Parses one line (without its newline); TreeFormatError says what is wrong with it. */
export function decodeTreeLine(text: string): TreeEntry {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new TreeFormatError('a tree line is not JSON');
  }
  const parsed = lineSchema.safeParse(raw);
  if (!parsed.success) throw new TreeFormatError(`a tree line is malformed: ${parsed.error.issues[0]?.message ?? 'unknown field'}`);
  const line = parsed.data;
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

/** Relative, '/'-separated, no empty, '.' or '..' parts, no NUL: a path that cannot leave the restore's target. */
function checkPath(path: Buffer): void {
  if (path.length === 0 || path.includes(0)) throw new TreeFormatError('a tree path is empty or holds a NUL byte');
  for (const part of path.toString('latin1').split('/')) {
    if (part === '' || part === '.' || part === '..') throw new TreeFormatError(`the tree path "${path.toString('utf8').slice(0, 200)}" is not a plain relative path`);
  }
}
