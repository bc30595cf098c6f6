/**
 * Where restored entries go: a folder (folder-writer.ts) or an archive
 * (tar-writer.ts). Calls come in tree order, one entry at a time, except
 * that a sink with `writeWhole` may be given up to `parallelFiles` small
 * files at once, each whole, while later entries go on.
 */
import type { TreeEntry } from '../snapshot/tree-entry';

export type FileEntry = Extract<TreeEntry, { type: 'file' }>;

export interface FileWriter {
  /** The file's content in order; the bytes are the caller's again once this settles. */
  write(data: Buffer): Promise<void>;
  /** Called once all `size` bytes were written. */
  finish(): Promise<void>;
  /** Called instead of finish when the restore fails part way through the file. */
  abandon(): Promise<void>;
}

export interface EntrySink {
  /** How many files may be given to writeWhole at once. */
  readonly parallelFiles?: number;
  /** A small file and its whole content (`size` bytes), instead of file(), write and finish; files written together may share one promise. Absent, every file goes through file(). */
  writeWhole?(entry: FileEntry, content: Buffer): Promise<void>;
  directory(entry: Extract<TreeEntry, { type: 'directory' }>): Promise<void>;
  symlink(entry: Extract<TreeEntry, { type: 'symlink' }>): Promise<void>;
  file(entry: FileEntry): Promise<FileWriter>;
}
