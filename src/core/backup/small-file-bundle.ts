/**
 * Small files share chunks. A chunk per file would cost each tiny file its
 * own compression and seal, a pack entry padded to 512-byte blocks, and an
 * ID in every question and reference list: for a few hundred bytes of
 * content, several times that in overhead. Instead, the content of files
 * under smallFileBytes is put one after another into a bundle, which is cut
 * as one chunk once it holds bundleTargetBytes; each file's tree line names
 * that chunk and the offset where the file starts (docs/PROTOCOL.md, "The
 * tree"). A bundle is named by its content like any chunk, so a pass that
 * reads the same files again makes the same bundles.
 *
 * The bundle's ID is known only when it is cut, so the lines of the entries
 * from its first file on (folders and other files too, to keep the walk's
 * order) wait until then: at most maxWaitingEntries of them, which bounds
 * the memory they take whatever the tree looks like. They wait encoded, as
 * bytes, with room for the ID in each bundled file's line, and the chunk
 * IDs they reference as a list, rather than as an entry object and a
 * closure or two each, kept for as long as the bundle stays open.
 */
import { encodeTreeEntry, maxSharedChunkBytes, type TreeEntry } from '../snapshot/tree-entry';

export const smallFileBytes = 64 * 1024;
/** Cut once it holds this much: with the last file under smallFileBytes, a bundle stays within the bound readers count it at. */
const bundleTargetBytes = maxSharedChunkBytes - smallFileBytes;
const maxWaitingEntries = 8192;
const linesBytes = 64 * 1024;
/** Waiting lines grown past this (a waiting file of very many chunks) are not kept for the next bundle. */
const maxKeptLinesBytes = 4 * 1024 * 1024;
/** Stands for the bundle's chunk ID in a waiting line: as many hex digits. */
const placeholderChunks = ['0'.repeat(64)];
const chunksField = '"c":["';
/** Stands for the bundle's chunk ID in the waiting references. */
const bundleReference = '';
/** The offset field of a bundle's first file, left out when the file is alone in the bundle. */
const firstOffsetField = ',"o":0';

type FileEntry = TreeEntry & { type: 'file' };

/** Where entries go once their chunks are named; only what is to be waited for returns a promise. */
export interface EntryRecorder {
  /** Writes an entry's tree line and adds its chunks to the reference list. */
  record(entry: TreeEntry): Promise<void> | undefined;
  /** Writes whole tree lines already encoded, then adds the chunk IDs they reference. */
  recordLines(lines: Buffer, references: readonly string[]): Promise<void> | undefined;
}

export class SmallFileBundle {
  private readonly content = Buffer.allocUnsafe(bundleTargetBytes + smallFileBytes);
  private filled = 0;
  private files = 0;
  private lines = Buffer.allocUnsafe(linesBytes);
  private linesUsed = 0;
  /** Where the chunk ID goes in each bundled file's line. */
  private idSpots: number[] = [];
  private references: string[] = [];
  private waiting = 0;

  constructor(
    /** Names (and queues) a bundle's chunk; the plaintext is the callee's to keep. */
    private readonly name: (plaintext: Buffer) => Promise<string>,
    private readonly recorder: EntryRecorder,
    /** Told the chunk of the bundle being cut and how many files it holds, before its entries are recorded. */
    private readonly onNamed: (id: string, files: number) => void,
  ) {}

  /** Where the next bundled file will start in the bundle. */
  get nextOffset(): number {
    return this.filled;
  }

  /** An entry whose content, if any, is already named: recorded at once, unless a bundle is open. */
  add(entry: TreeEntry): Promise<void> | undefined {
    if (this.waiting === 0) return this.recorder.record(entry);
    this.write(encodeTreeEntry(entry));
    if (entry.type === 'file') for (const id of entry.chunks) this.references.push(id);
    return ++this.waiting >= maxWaitingEntries ? this.cut() : undefined;
  }

  /** A file of 1 to smallFileBytes - 1 bytes and its content, copied; its line names the bundle's chunk and the file's offset in it once the bundle is cut. */
  addFile(entry: FileEntry, content: Buffer): Promise<void> | undefined {
    const offset = this.filled;
    content.copy(this.content, offset);
    this.filled += content.length;
    if (this.files++ === 0) this.references.push(bundleReference);
    entry.chunks = placeholderChunks;
    entry.offset = offset;
    const end = this.write(encodeTreeEntry(entry));
    // The last `"c":["` of a line opens its chunk list: a path's quotes are escaped, and base64 has none. It is
    // sought in the line alone: the bytes past its end are an earlier bundle's.
    this.idSpots.push(this.lines.lastIndexOf(chunksField, end - chunksField.length) + chunksField.length);
    this.waiting++;
    return this.filled >= bundleTargetBytes || this.waiting >= maxWaitingEntries ? this.cut() : undefined;
  }

  /** Cuts the bundle, if one is open, and records every entry that waited for it. */
  async cut(): Promise<void> {
    if (this.waiting === 0) return;
    const { files, idSpots, references } = this;
    const plaintext = Buffer.from(this.content.subarray(0, this.filled));
    let lines = Buffer.from(this.lines.subarray(0, this.linesUsed));
    if (this.lines.length > maxKeptLinesBytes) this.lines = Buffer.allocUnsafe(linesBytes);
    this.filled = 0;
    this.files = 0;
    this.linesUsed = 0;
    this.idSpots = [];
    this.references = [];
    this.waiting = 0;
    const id = await this.name(plaintext);
    for (const spot of idSpots) lines.write(id, spot, 'latin1');
    if (files === 1) {
      // A file alone in its chunk is stored as any whole file is: the same content elsewhere then shares it.
      const offsetAt = idSpots[0]! + id.length + 2;
      lines = Buffer.concat([lines.subarray(0, offsetAt), lines.subarray(offsetAt + firstOffsetField.length)]);
    }
    references[references.indexOf(bundleReference)] = id;
    this.onNamed(id, files);
    await this.recorder.recordLines(lines, references);
  }

  /** Appends a line to the waiting ones; returns where it ends. */
  private write(line: string): number {
    const mostBytes = 3 * line.length;
    if (this.linesUsed + mostBytes > this.lines.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.lines.length, this.linesUsed + mostBytes));
      this.lines.copy(grown, 0, 0, this.linesUsed);
      this.lines = grown;
    }
    this.linesUsed += this.lines.write(line, this.linesUsed, 'utf8');
    return this.linesUsed;
  }
}
