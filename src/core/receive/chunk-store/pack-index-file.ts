/** A pack's index file: one JSON line per entry ({id, kind, offset, length}), written before the pack is published. */
import { readFile } from 'node:fs/promises';
import * as z from '../../schema';
import { chunkIdPattern } from '../../wire/chunk-protocol';
import type { PackEntry } from './pack-entries';

const lineSchema = z.object({
  id: z.string().check(z.regex(chunkIdPattern)),
  kind: z.enum(['sealed', 'reference']),
  offset: z.int().check(z.nonnegative()),
  length: z.int().check(z.nonnegative()),
});

export function indexFileText(entries: PackEntry[]): string {
  return entries.map((entry) => `${JSON.stringify({ id: entry.id, kind: entry.kind, offset: entry.offset, length: entry.length })}\n`).join('');
}

/** The entries of an index file; undefined when it is not one (then the pack is indexed again from its headers). */
export async function readIndexFile(path: string): Promise<PackEntry[] | undefined> {
  const text = await readFile(path, 'utf8');
  const entries: PackEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let parsed;
    try {
      parsed = lineSchema.safeParse(JSON.parse(line));
    } catch {
      return undefined;
    }
    if (!parsed.success) return undefined;
    entries.push(parsed.data);
  }
  return entries;
}
