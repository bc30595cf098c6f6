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
 * the memory they take whatever the tree looks like.
 */
import { maxSharedChunkBytes, type TreeEntry } from '../snapshot/tree-entry';

export const smallFileBytes = 64 * 1024;
/** Cut once it holds this much: with the last file under smallFileBytes, a bundle stays within the bound readers count it at. */
const bundleTargetBytes = maxSharedChunkBytes - smallFileBytes;
const maxWaitingEntries = 8192;

type FileEntry = TreeEntry & { type: 'file' };

interface Waiting {
  entry: TreeEntry;
  /** For a file in the bundle: told its entry once the chunk is named. */
  onNamed?: (entry: FileEntry) => void;
}

export class SmallFileBundle {
  private readonly content = Buffer.allocUnsafe(bundleTargetBytes + smallFileBytes);
  private filled = 0;
  private files = 0;
  private waiting: Waiting[] = [];

  constructor(
    /** Names (and queues) a bundle's chunk; the plaintext is the callee's to keep. */
    private readonly name: (plaintext: Buffer) => Promise<string>,
    /** Writes an entry's tree line and references; only when that is to be waited for does it return a promise. */
    private readonly record: (entry: TreeEntry) => Promise<void> | undefined,
  ) {}

  /** An entry whose content, if any, is already named: recorded at once, unless a bundle is open. */
  add(entry: TreeEntry): Promise<void> | undefined {
    if (this.waiting.length === 0) return this.record(entry);
    this.waiting.push({ entry });
    return this.waiting.length >= maxWaitingEntries ? this.cut() : undefined;
  }

  /** A file of 1 to smallFileBytes - 1 bytes and its content; its chunk and offset are set once the bundle is cut. */
  addFile(entry: FileEntry, content: Buffer, onNamed: (entry: FileEntry) => void): Promise<void> | undefined {
    entry.offset = this.filled;
    content.copy(this.content, this.filled);
    this.filled += content.length;
    this.files++;
    this.waiting.push({ entry, onNamed });
    return this.filled >= bundleTargetBytes || this.waiting.length >= maxWaitingEntries ? this.cut() : undefined;
  }

  /** Cuts the bundle, if one is open, and records every entry that waited for it. */
  async cut(): Promise<void> {
    if (this.waiting.length === 0) return;
    const { waiting, files } = this;
    const plaintext = Buffer.from(this.content.subarray(0, this.filled));
    this.waiting = [];
    this.filled = 0;
    this.files = 0;
    const id = await this.name(plaintext);
    for (const { entry, onNamed } of waiting) {
      if (onNamed && entry.type === 'file') {
        entry.chunks = [id];
        // A file alone in its chunk is stored as any whole file is: the same content elsewhere then shares it.
        if (files === 1) delete entry.offset;
        onNamed(entry);
      }
      const recording = this.record(entry);
      if (recording) await recording;
    }
  }
}
