/**
 * Writes restored entries into a staging folder, with the rules of an archive
 * restore (pack/extract.ts): nothing is created through a symlink (parents are
 * checked with lstat, files opened O_EXCL | O_NOFOLLOW), symlinks that would
 * point out of the target are not recreated and nothing is written below
 * them, an entry that would land on something the target keeps is refused
 * before its content is written, free space is claimed before each entry,
 * files keep their holes, and modes lose setuid, setgid and sticky bits.
 * Folders get their mode and mtime after they are moved into place, deepest
 * first.
 *
 * Small files come whole and many at once (parallelFiles); they are written
 * on a thread of their own, in batches (small-file-writer.ts). Claims of
 * free space are taken one after another, and a missing parent folder is
 * made once however many files wait for it. Below a folder the target does
 * not have, nothing can be in the way, so its entries are not looked up
 * there one by one (moving into place checks each path again in any case).
 */
import { constants } from 'node:fs';
import { lstat, lutimes, mkdir, open, symlink, type FileHandle } from 'node:fs/promises';
import type { SkippedPath } from '../store';
import { displayByteString, fromByteString, toByteString } from '../pack/byte-names';
import { checkLinkTarget, quoted } from '../pack/entry-names';
import { refuseIfInTheWay } from '../pack/extract';
import type { FolderPaths } from '../pack/folder-paths';
import { entryOverheadBytes, type FreeSpaceGuard } from '../pack/free-space';
import type { DirectoryMetadata } from '../pack/move-into-place';
import { SparseWriter } from '../pack/sparse-writer';
import { reservedArchiveRoot } from '../plan/designate';
import { printable } from '../printable';
import type { TreeEntry } from '../snapshot/tree-entry';
import type { Manifest } from '../wire/chunk-protocol';
import type { EntrySink, FileEntry, FileWriter } from './entry-sink';
import { utimesSecondsOf } from './exact-mtime';
import { SmallFileWriter, type WholeFile, type WholeFileError } from './small-file-writer';
import { damagedSnapshot } from './snapshot-errors';

export interface FolderPlaces {
  /** Where entries are written, inside the target. */
  staging: FolderPaths;
  /** The target: what is already there decides what may be written. */
  root: FolderPaths;
  space: FreeSpaceGuard;
  /** The bits the process's umask takes from a new file's mode (umask-probe.ts). */
  umask: number;
}

/** Small files in flight: a few of the writing threads' batches, so they always have the next one. */
const parallelFiles = 2048;

export class FolderWriter implements EntrySink {
  readonly parallelFiles = parallelFiles;
  /** Folders written, for their metadata once they are in place. */
  readonly directories: DirectoryMetadata[] = [];
  /** Symlinks not recreated because they point out of the target. */
  readonly refusedLinks: SkippedPath[] = [];
  /** Byte strings of the refused links' paths: nothing may be written below them. */
  private readonly notRecreated: string[] = [];
  private readonly knownFolders = new Set<string>();
  /** Parent folders being made for the files waiting on them. */
  private readonly foldersBeingMade = new Map<string, Promise<void>>();
  /** Folders of the snapshot the target does not have, and the snapshot's folders below them: nothing in them can be in the way. */
  private readonly absentFromTarget = new Set<string>();
  /** The last claim of free space: claims are taken in turn, each against what the one before left. */
  private lastClaim: Promise<void> = Promise.resolve();
  /** Claims in that chain not yet settled: while there are any, a new claim waits its turn. */
  private claimsWaiting = 0;
  private readonly smallFiles = new SmallFileWriter();
  /** The batch the last small file joined, and its promise as writeWhole gives it. */
  private lastBatch: { written?: Promise<void>; explained: Promise<void> } = { explained: Promise.resolve() };
  /** Small files whose paths need an anchor are written here, in turn, so they never hold many descriptors at once. */
  private anchoredWrites: Promise<void> = Promise.resolve();

  constructor(
    private readonly places: FolderPlaces,
    private readonly manifest: Manifest,
    private readonly overwrite: boolean,
  ) {}

  async directory(entry: Extract<TreeEntry, { type: 'directory' }>): Promise<void> {
    const path = await this.prepare(entry, 0);
    if (!this.knownFolders.has(path)) {
      try {
        // Owner-writable while it is filled; its own mode comes at the end.
        await mkdir(await this.places.staging.of(path), { mode: 0o700 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw this.twice(path);
        throw err;
      }
      this.knownFolders.add(path);
    }
    this.directories.push({ path, mode: entry.mode & 0o777, mtime: utimesSecondsOf(entry.mtimeMs) });
  }

  async symlink(entry: Extract<TreeEntry, { type: 'symlink' }>): Promise<void> {
    const path = await this.prepare(entry, 0);
    const target = checkLinkTarget(path, toByteString(entry.target));
    if ('problem' in target) {
      // A link out of the folder (a virtualenv's absolute link, say) is not recreated; the rest of the snapshot is.
      this.refusedLinks.push({ path: displayByteString(path), reason: `not recreated: it ${target.problem}` });
      this.notRecreated.push(path);
      return;
    }
    const where = await this.places.staging.of(path);
    try {
      await symlink(fromByteString(target.ok), where);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw this.twice(path);
      throw err;
    }
    const mtime = utimesSecondsOf(entry.mtimeMs);
    await lutimes(await this.places.staging.of(path), mtime, mtime);
  }

  async file(entry: FileEntry): Promise<FileWriter> {
    return this.create(await this.prepare(entry, entry.size), entry);
  }

  /**
   * Hands a small file to the writing threads. When nothing about it needs a
   * wait (its folder is made and new to the target, the free space last
   * reported covers it, its path needs no anchor), it goes at once and gets
   * its batch's promise, which many files share; otherwise it is prepared
   * as any entry is.
   */
  writeWhole(entry: FileEntry, content: Buffer): Promise<void> {
    const path = this.preparedAtOnce(entry);
    const where = path === undefined ? undefined : this.places.staging.directOf(path);
    if (where === undefined) return this.writeWholeOncePrepared(entry, content);
    return this.explained(this.smallFiles.write(this.wholeFile(where, path!, entry, content)));
  }

  private async writeWholeOncePrepared(entry: FileEntry, content: Buffer): Promise<void> {
    const path = await this.prepare(entry, entry.size);
    const where = this.places.staging.directOf(path);
    if (where === undefined) return this.writeThroughAnchor(path, entry, content);
    await this.explained(this.smallFiles.write(this.wholeFile(where, path, entry, content)));
  }

  private wholeFile(where: Buffer, path: string, entry: FileEntry, content: Buffer): WholeFile {
    const mode = entry.mode & 0o777;
    return { path: where, content, mode, modeToSet: this.modeToSet(mode), mtime: utimesSecondsOf(entry.mtimeMs), name: path };
  }

  /** The batch's promise, with a file already there told as the tree naming it twice; one per batch, however many files share it. */
  private explained(written: Promise<void>): Promise<void> {
    if (written !== this.lastBatch.written) {
      const explained = written.catch((err: WholeFileError) => {
        throw err.code === 'EEXIST' ? this.twice(err.file.name) : err;
      });
      this.lastBatch = { written, explained };
    }
    return this.lastBatch.explained;
  }

  /** Stops the threads that write small files, once every file handed over has settled. */
  async close(): Promise<void> {
    await this.smallFiles.close();
  }

  private writeThroughAnchor(path: string, entry: FileEntry, content: Buffer): Promise<void> {
    const written = this.anchoredWrites.then(async () => {
      const file = await this.create(path, entry);
      try {
        await file.writeWhole(content);
      } catch (err) {
        await file.abandon();
        throw err;
      }
    });
    this.anchoredWrites = written.catch(() => undefined);
    return written;
  }

  private async create(path: string, entry: FileEntry): Promise<StagedFile> {
    const mode = entry.mode & 0o777;
    let handle;
    try {
      // Created with its own mode (the staging folder is the owner's alone): when the umask keeps it whole, no chmod is needed.
      handle = await open(await this.places.staging.of(path), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw this.twice(path);
      throw err;
    }
    return new StagedFile(handle, entry, this.modeToSet(mode));
  }

  /** The mode to set once a file is written: undefined when the umask left it whole at creation. */
  private modeToSet(mode: number): number | undefined {
    return (mode & this.places.umask) === 0 ? undefined : mode;
  }

  /**
   * What prepare gives, when it needs no wait: the entry's folder is made
   * and new to the target, and the free space last reported covers it.
   * Undefined otherwise, with nothing claimed.
   */
  private preparedAtOnce(entry: FileEntry): string | undefined {
    const path = toByteString(entry.path);
    this.refuseForbiddenPath(path);
    const parent = parentOf(path);
    if (!this.absentFromTarget.has(parent) || !this.knownFolders.has(parent) || this.claimsWaiting > 0) return undefined;
    return this.places.space.claimAtOnce(entry.size + entryOverheadBytes) ? path : undefined;
  }

  /** The entry's path as a byte string, once it may be written, its room claimed and its parents made. */
  private async prepare(entry: TreeEntry, contentBytes: number): Promise<string> {
    const path = toByteString(entry.path);
    this.refuseForbiddenPath(path);
    const parent = parentOf(path);
    if (this.absentFromTarget.has(parent)) {
      if (entry.type === 'directory') this.absentFromTarget.add(path);
    } else {
      await this.refuseIfInTheWay(path, entry.type === 'directory');
    }
    await this.claim(contentBytes + entryOverheadBytes, path);
    if (!this.knownFolders.has(parent)) await this.makeParents(path);
    return path;
  }

  /** Refuses a path under the reserved root, or below a symlink that was not recreated. */
  private refuseForbiddenPath(path: string): void {
    if (firstPartOf(path) === reservedArchiveRoot) throw this.damaged(`its tree has "${shown(path)}" under ${reservedArchiveRoot}/, which is reserved`);
    const throughLink = this.notRecreated.find((link) => path.startsWith(`${link}/`));
    if (throughLink !== undefined) throw this.damaged(`its tree has "${shown(path)}" below "${shown(throughLink)}", which is a symbolic link`);
  }

  /** Refuses what would land on something the target keeps (unless asked to overwrite); remembers a folder the target does not have. */
  private async refuseIfInTheWay(path: string, isFolder: boolean): Promise<void> {
    if (isFolder && !(await this.inTarget(path))) {
      this.absentFromTarget.add(path);
      return;
    }
    await refuseIfInTheWay(this.places.root, path, isFolder, this.overwrite);
  }

  private async inTarget(path: string): Promise<boolean> {
    try {
      await lstat(await this.places.root.of(path));
      return true;
    } catch {
      return false;
    }
  }

  /** Claims room for the entry at `path`: at once while the last answer of the file system covers it and no claim waits on a new one. */
  private async claim(bytes: number, path: string): Promise<void> {
    if (this.claimsWaiting === 0 && this.places.space.claimAtOnce(bytes)) return;
    this.claimsWaiting++;
    const claimed = this.lastClaim.then(() => this.places.space.claim(bytes, quoted(displayByteString(path))));
    this.lastClaim = claimed.catch(() => undefined).finally(() => this.claimsWaiting--);
    await claimed;
  }

  /** Makes the missing parents (a selection's ancestors have no entries of their own) and checks the others are real folders. */
  private async makeParents(path: string): Promise<void> {
    const parts = path.split('/');
    for (let depth = 1; depth < parts.length; depth++) {
      const parent = parts.slice(0, depth).join('/');
      if (this.knownFolders.has(parent)) continue;
      let making = this.foldersBeingMade.get(parent);
      if (making === undefined) {
        making = this.makeParent(parent, path);
        this.foldersBeingMade.set(parent, making);
      }
      await making;
    }
  }

  private async makeParent(parent: string, path: string): Promise<void> {
    let stats;
    try {
      stats = await lstat(await this.places.staging.of(parent));
    } catch {
      await mkdir(await this.places.staging.of(parent), { mode: 0o755 });
      this.knownFolders.add(parent);
      return;
    }
    if (!stats.isDirectory()) throw this.damaged(`its tree has "${shown(path)}" below "${shown(parent)}", which is not a folder`);
    this.knownFolders.add(parent);
  }

  private twice(path: string) {
    return this.damaged(`its tree has "${shown(path)}" twice`);
  }

  private damaged(detail: string) {
    return damagedSnapshot(this.manifest, detail);
  }
}

/** A file being written in the staging folder; its mtime (and its mode, when the umask changed it) come once it is whole. */
class StagedFile implements FileWriter {
  private readonly sparse: SparseWriter;
  private closed = false;

  constructor(
    private readonly handle: FileHandle,
    private readonly entry: FileEntry,
    /** The mode to set at the end; undefined when the file was created with it. */
    private readonly modeToSet: number | undefined,
  ) {
    this.sparse = new SparseWriter(handle);
  }

  async write(data: Buffer): Promise<void> {
    await this.sparse.write(data);
  }

  async finish(): Promise<void> {
    await this.sparse.end();
    await this.close();
  }

  async writeWhole(content: Buffer): Promise<void> {
    await this.sparse.writeWhole(content);
    await this.close();
  }

  /** Closes the file; the staging folder it is in is removed with it. */
  async abandon(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  private async close(): Promise<void> {
    if (this.modeToSet !== undefined) await this.handle.chmod(this.modeToSet);
    const mtime = utimesSecondsOf(this.entry.mtimeMs);
    await this.handle.utimes(mtime, mtime);
    await this.abandon();
  }
}

/** The path's folder ('' for a top-level entry). */
function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

function firstPartOf(path: string): string {
  const slash = path.indexOf('/');
  return slash === -1 ? path : path.slice(0, slash);
}

function shown(byteString: string): string {
  return printable(displayByteString(byteString));
}
