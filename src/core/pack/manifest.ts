/**
 * The manifest is the archive's last entry: what the packer meant to store
 * (every entry with its SHA-256) and what it had to leave out. Extraction
 * checks the archive against it, so a truncated or altered archive fails.
 *
 * `format` versions the archive layout: a reader refuses formats it does not
 * know, which leaves room for client-side encryption later.
 */
import * as z from '../schema';
import { reservedArchiveRoot } from '../plan/designate';
import { displayName, isUtf8 } from './byte-names';

export const manifestFormat = 1;

export const manifestArchivePath = `${reservedArchiveRoot}/manifest.json`;

const pathNote = z.object({ path: z.string(), reason: z.string() });

const base64 = z.string().check(z.regex(/^[A-Za-z0-9+/]*={0,2}$/));

/**
 * `path` is the name as text. A name that is not valid UTF-8 cannot be JSON
 * text as it is: `path` then shows it with U+FFFD for its invalid bytes, and
 * `pathBytes` holds the exact bytes, in base64. The same goes for a
 * symlink's `target` and `targetBytes`.
 */
const named = { path: z.string(), pathBytes: z.optional(base64) };

const manifestEntry = z.discriminatedUnion('type', [
  z.object({ type: z.literal('file'), ...named, size: z.int().check(z.nonnegative()), mode: z.int(), mtime: z.number(), sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)) }),
  z.object({ type: z.literal('directory'), ...named, size: z.literal(0), mode: z.int(), mtime: z.number() }),
  z.object({ type: z.literal('symlink'), ...named, size: z.literal(0), mode: z.int(), mtime: z.number(), target: z.string(), targetBytes: z.optional(base64) }),
]);

const manifestSchema = z.object({
  format: z.literal(manifestFormat),
  createdAt: z.string(),
  plan: z.string(),
  entries: z.array(manifestEntry),
  /** Source paths left out, e.g. unreadable files or FIFOs. */
  skipped: z.array(pathNote),
  /** Source paths stored, but modified while they were being read. */
  changed: z.array(pathNote),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestEntry = z.infer<typeof manifestEntry>;

/** The manifest's fields for a path given as bytes. */
export function manifestPath(bytes: Buffer): { path: string; pathBytes?: string } {
  return isUtf8(bytes) ? { path: bytes.toString('utf8') } : { path: displayName(bytes), pathBytes: bytes.toString('base64') };
}

/** The manifest's fields for a symlink target given as bytes. */
export function manifestTarget(bytes: Buffer): { target: string; targetBytes?: string } {
  const { path, pathBytes } = manifestPath(bytes);
  return pathBytes === undefined ? { target: path } : { target: path, targetBytes: pathBytes };
}

/** The exact bytes of an entry's path, from the manifest. */
export function pathBytesOf(entry: ManifestEntry): Buffer {
  return entry.pathBytes === undefined ? Buffer.from(entry.path, 'utf8') : Buffer.from(entry.pathBytes, 'base64');
}

/** The exact bytes of a symlink's target, from the manifest. */
export function targetBytesOf(entry: ManifestEntry & { type: 'symlink' }): Buffer {
  return entry.targetBytes === undefined ? Buffer.from(entry.target, 'utf8') : Buffer.from(entry.targetBytes, 'base64');
}

/** Parses a manifest read from an archive; anything unexpected means the archive is not ours, or is newer. */
export function parseManifest(text: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('its manifest is not valid JSON');
  }
  const format = (json as { format?: unknown } | null)?.format;
  if (typeof format === 'number' && format > manifestFormat) {
    throw new Error(`it uses archive format ${format}, newer than this Peer Backup understands (${manifestFormat}): update Peer Backup`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw new Error(`its manifest is malformed (${parsed.error.issues[0]?.message ?? 'unknown problem'})`);
  return parsed.data;
}
