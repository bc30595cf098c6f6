/**
 * Reads a snapshot's tree: its tree chunks in the manifest's order, a few at
 * a time, each opened and split into lines as it comes, each line decoded
 * (and so checked) before it is handed on. Only the chunks of one read and an
 * unfinished line are ever held, never the whole tree.
 *
 * The entries come in groups of up to entriesPerGroup, in order: handed on
 * one at a time through the generators of a restore, each cost more in
 * promises and resumptions than its own decoding.
 */
import { maxChunkBytes } from '../chunk/chunk-seal';
import { decodeTreeLine, TreeFormatError, type TreeEntry } from '../snapshot/tree-entry';
import { printable } from '../printable';
import { readInOrder } from './ordered-reads';
import { readEntryOverheadBytes } from './read-batches';
import { defaultReadLimits, type ReadableSnapshot } from './readable-snapshot';
import { damagedSnapshot } from './snapshot-errors';
import { LineSplitter } from './tree-lines';

/** The longest line decodeTreeLine accepts: a million chunk IDs and two 64 KiB byte fields in base64, with room for the keys. */
const maxTreeLineBytes = 1_000_000 * 67 + 4 * 64 * 1024 + 1024;

/** Entries decoded and handed on together: a tree chunk holds thousands of lines, and its entries take more room than its text. */
const entriesPerGroup = 512;

export async function* readTree(snapshot: ReadableSnapshot, signal?: AbortSignal): AsyncGenerator<TreeEntry[]> {
  const limits = snapshot.limits ?? defaultReadLimits;
  // A tree chunk's size is unknown until it is read: count each at the largest a chunk may be.
  const perRead = Math.max(1, Math.min(limits.maxIds, Math.floor(limits.maxBytes / (maxChunkBytes + readEntryOverheadBytes))));
  const tree = snapshot.manifest.tree;
  const lines = new LineSplitter(maxTreeLineBytes);
  let lineNumber = 0;
  for (let start = 0; start < tree.length; start += perRead) {
    for await (const plaintexts of readInOrder(snapshot, tree.slice(start, start + perRead), signal)) {
      for (const plaintext of plaintexts) {
        const completed = lines.push(plaintext);
        if (completed === undefined) throw damagedSnapshot(snapshot.manifest, `line ${lineNumber + 1} of its tree is longer than any valid line`);
        for (let from = 0; from < completed.length; from += entriesPerGroup) {
          yield completed.slice(from, from + entriesPerGroup).map((line) => decodeLine(snapshot, line, ++lineNumber));
        }
      }
    }
  }
  if (!lines.atLineEnd) throw damagedSnapshot(snapshot.manifest, 'its tree ends part way through a line');
}

function decodeLine(snapshot: ReadableSnapshot, line: string, lineNumber: number): TreeEntry {
  try {
    return decodeTreeLine(line);
  } catch (err) {
    // The message may quote a path from the tree.
    if (err instanceof TreeFormatError) throw damagedSnapshot(snapshot.manifest, `line ${lineNumber} of its tree: ${printable(err.message)}`, err);
    throw err;
  }
}
