/**
 * How large an archive's manifest may be, given the entries before it. The
 * manifest is the last entry and is held in memory to be parsed, so a flat
 * limit would let a small archive make the restore read, hold and parse
 * hundreds of MiB. Instead each entry seen earns the manifest room to
 * describe it, with a wide margin for what the packer writes:
 * - per entry, 1 KiB for its fields (type, size, mode, mtime, SHA-256) and a
 *   "changed while packing" note, plus 12 bytes per byte of its name (JSON
 *   escapes a byte as at most 6, and the note repeats the name) and 6 per
 *   byte of a symlink's target;
 * - 4 MiB in all for the notes on source paths left out (unreadable files,
 *   sockets), which have no entry of their own.
 * A manifest larger than this is refused from its header, before a byte of
 * it is read. A flat cap still applies to very large trees.
 */
export const manifestBaseBytes = 4 * 1024 * 1024;
export const manifestBytesPerEntry = 1024;
export const maxManifestBytes = 256 * 1024 * 1024;

export class ManifestBudget {
  private earned = manifestBaseBytes;

  /** An entry seen before the manifest; `name` and `linkname` are byte strings (one character per byte). */
  add(name: string, linkname: string): void {
    this.earned += manifestBytesPerEntry + 12 * name.length + 6 * linkname.length;
  }

  /** The largest manifest the entries seen so far justify. */
  get limit(): number {
    return Math.min(this.earned, maxManifestBytes);
  }
}
