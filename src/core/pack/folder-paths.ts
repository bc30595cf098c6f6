/**
 * Paths below one folder that stay usable however deep they go. The kernel
 * refuses any path longer than PATH_MAX (4096 bytes on Linux), yet a tree may
 * be deeper than that, and Node has no openat() to work relative to a folder.
 * So a deep path is reached from an open handle on a folder part way down,
 * through /proc/self/fd/N, which names that folder in a few bytes. Those
 * handles ("anchors") sit where the path crosses every `stretch` bytes, so
 * paths with a common beginning share them.
 *
 * Relative paths are byte strings (see byte-names.ts), '/'-separated.
 */
import { constants, existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { fromByteString } from './byte-names';

/** Paths up to this long are used as they are. */
const directLimit = 3072;
/** At most this many bytes from an anchor on: with /proc/self/fd/N/ and one name of up to 255 bytes, well under 4096. */
const stretch = 2048;
/** Anchors kept open; the least recently used is closed beyond that. */
const maxAnchors = 32;

const fdFolder = '/proc/self/fd';
const canAnchor = existsSync(fdFolder);
const slash = 0x2f;

export class FolderPaths {
  /** Most recently used last. */
  private readonly anchors = new Map<string, FileHandle>();
  private readonly root: Buffer;

  constructor(readonly folder: string) {
    this.root = Buffer.from(folder);
  }

  /** A path for fs calls to `relative` (a byte string; '' is the folder itself). Use it at once: it may name an anchor that a later call closes. */
  async of(relative: string): Promise<Buffer> {
    const direct = this.directOf(relative);
    if (direct !== undefined) return direct;
    const parts = relative.split('/');
    const from = lastAnchorIndex(parts);
    const anchor = await this.anchor(parts.slice(0, from).join('/'));
    return Buffer.concat([Buffer.from(`${fdFolder}/${anchor.fd}/`), fromByteString(parts.slice(from).join('/'))]);
  }

  /** The path to `relative` as it is, when it is short enough to use without an anchor (or anchors cannot be made). */
  directOf(relative: string): Buffer | undefined {
    if (relative === '') return this.root;
    const length = this.root.length + 1 + relative.length;
    if (length > directLimit && canAnchor) return undefined;
    // One buffer, written in place: a restore asks this for every file.
    const direct = Buffer.allocUnsafe(length);
    this.root.copy(direct);
    direct[this.root.length] = slash;
    direct.write(relative, this.root.length + 1, 'latin1');
    return direct;
  }

  async close(): Promise<void> {
    const handles = [...this.anchors.values()];
    this.anchors.clear();
    await Promise.all(handles.map((handle) => handle.close()));
  }

  private async anchor(prefix: string): Promise<FileHandle> {
    const known = this.anchors.get(prefix);
    if (known !== undefined) {
      this.anchors.delete(prefix);
      this.anchors.set(prefix, known);
      return known;
    }
    const handle = await open(await this.of(prefix), constants.O_RDONLY | constants.O_DIRECTORY);
    this.anchors.set(prefix, handle);
    if (this.anchors.size > maxAnchors) {
      const [oldest, stale] = this.anchors.entries().next().value as [string, FileHandle];
      this.anchors.delete(oldest);
      await stale.close();
    }
    return handle;
  }
}

/** How many leading parts the deepest anchor of this path spans: a new anchor starts wherever the next part would pass `stretch` bytes. */
function lastAnchorIndex(parts: readonly string[]): number {
  let anchor = 0;
  let length = 0;
  for (let index = 0; index < parts.length; index++) {
    const added = parts[index]!.length + 1;
    if (length + added > stretch && index > anchor) {
      anchor = index;
      length = 0;
    }
    length += added;
  }
  return anchor;
}
