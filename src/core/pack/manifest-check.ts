/**
 * Compares what was extracted with what the manifest says the packer stored.
 * The manifest comes last, so this runs after the archive has been read; it
 * catches altered content, and entries added to or dropped from the archive.
 * Paths and targets are compared as bytes (byte strings, see byte-names.ts).
 */
import { displayByteString, toByteString } from './byte-names';
import { quoted } from './entry-names';
import { pathBytesOf, targetBytesOf, type Manifest } from './manifest';

export type ExtractedEntry =
  | { type: 'file'; size: number; sha256: string }
  | { type: 'directory' }
  /** `target` is a byte string. */
  | { type: 'symlink'; target: string };

/** The first disagreement, in words, or undefined when the archive is exactly what the manifest lists. `extracted` is keyed by byte strings. */
export function findManifestMismatch(extracted: ReadonlyMap<string, ExtractedEntry>, manifest: Manifest): string | undefined {
  const listed = new Set<string>();
  for (const entry of manifest.entries) {
    const path = toByteString(pathBytesOf(entry));
    listed.add(path);
    const found = extracted.get(path);
    if (found === undefined) return `${quoted(entry.path)} is listed in the manifest but missing from the archive`;
    if (found.type !== entry.type) return `${quoted(entry.path)} is a ${found.type} in the archive but a ${entry.type} in the manifest`;
    if (entry.type === 'file' && found.type === 'file' && (found.size !== entry.size || found.sha256 !== entry.sha256)) {
      return `${quoted(entry.path)} does not match the size and SHA-256 the manifest records for it`;
    }
    if (entry.type === 'symlink' && found.type === 'symlink' && found.target !== toByteString(targetBytesOf(entry))) {
      return `the symlink ${quoted(entry.path)} does not have the target the manifest records for it`;
    }
  }
  for (const path of extracted.keys()) {
    if (!listed.has(path)) return `${quoted(displayByteString(path))} is in the archive but not in its manifest`;
  }
  return undefined;
}
