/**
 * What of a snapshot to bring back: all of it, or one archive path (a file,
 * or a folder with everything under it). The tree is in walk order, so a
 * folder's content follows its line without a break: once the selection has
 * begun and an entry outside it comes, nothing later can be in it, and the
 * rest of the tree is not read.
 */
import { UserError } from '../errors';
import { printable } from '../printable';
import type { TreeEntry } from '../snapshot/tree-entry';
import type { Manifest } from '../wire/chunk-protocol';

/** An archive path as bytes ('/'-separated, as the tree has it; a trailing '/' is ignored); undefined for the whole snapshot. */
export type Selection = Buffer | undefined;

const slash = 0x2f;

export function isSelected(path: Buffer, selection: Selection): boolean {
  if (selection === undefined) return true;
  if (!path.subarray(0, selection.length).equals(selection)) return false;
  return path.length === selection.length || path[selection.length] === slash;
}

/** The selected entries in tree order, in the groups they came in; a selection that matches nothing is a UserError 'not-found'. */
export async function* selectedEntries(groups: AsyncIterable<TreeEntry[]>, given: Selection, manifest: Manifest): AsyncGenerator<TreeEntry[]> {
  if (given === undefined) {
    yield* groups;
    return;
  }
  const selection = withoutTrailingSlashes(given);
  let found = false;
  for await (const entries of groups) {
    const selected: TreeEntry[] = [];
    for (const entry of entries) {
      if (isSelected(entry.path, selection)) {
        found = true;
        selected.push(entry);
      } else if (found) {
        if (selected.length > 0) yield selected;
        return;
      }
    }
    if (selected.length > 0) yield selected;
  }
  if (!found) {
    throw new UserError(
      `Snapshot ${printable(manifest.snapshotId)} holds no file or folder "${printable(selection.toString('utf8'))}": give its path as the snapshot lists it, e.g. "project/src/main.ts".`,
      { code: 'not-found' },
    );
  }
}

function withoutTrailingSlashes(path: Buffer): Buffer {
  let end = path.length;
  while (end > 1 && path[end - 1] === slash) end--;
  return path.subarray(0, end);
}
