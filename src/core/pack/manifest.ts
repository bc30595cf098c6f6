/**
 * The manifest is the archive's last entry: what the packer meant to store
 * (every entry with its SHA-256) and what it had to leave out. Extraction
 * checks the archive against it, so a truncated or altered archive fails.
 *
 * `format` versions the archive layout: a reader refuses formats it does not
 * know, which leaves room for client-side encryption later.
 */
import { z } from 'zod';
import { reservedArchiveRoot } from '../plan/designate';

export const manifestFormat = 1;

export const manifestArchivePath = `${reservedArchiveRoot}/manifest.json`;

const pathNote = z.object({ path: z.string(), reason: z.string() });

const manifestEntry = z.discriminatedUnion('type', [
  z.object({ type: z.literal('file'), path: z.string(), size: z.number().int().nonnegative(), mode: z.number().int(), mtime: z.number(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  z.object({ type: z.literal('directory'), path: z.string(), size: z.literal(0), mode: z.number().int(), mtime: z.number() }),
  z.object({ type: z.literal('symlink'), path: z.string(), size: z.literal(0), mode: z.number().int(), mtime: z.number(), target: z.string() }),
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
