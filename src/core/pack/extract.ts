/**
 * Extracts a gzip'd tar made by packArchive, treating it as hostile input.
 *
 * What a failure leaves behind: the archive is first extracted into a fresh
 * staging folder inside the target (`.peer-backup-restore-*`, removed again
 * in every case) and checked entry by entry against the manifest, which
 * comes last. Only an archive that passes every check is moved into place,
 * by rename. So a hostile, damaged or oversized archive leaves the target as
 * it was. Only an error while moving (e.g. a file created there meanwhile)
 * can leave part of a snapshot in place, and that error lists what was moved.
 *
 * Refused, failing the whole extraction: absolute names, '..', NUL or
 * backslash in names, symlinks that could point outside the target, hard
 * links, devices, FIFOs, anything written through a symlink, duplicate
 * entries, archives without a valid manifest, and archives over the limits:
 * more entries or bytes than defaultExtractLimits, more file content than
 * the backup recorded (expectedContentBytes, when known), more than the
 * target's disk has free beyond a reserve (free-space.ts), or a manifest
 * larger than the entries before it justify (manifest-budget.ts). Each
 * bound is checked from an entry's header, before its content is written
 * or read. Modes lose setuid, setgid and sticky bits.
 *
 * Names are handled as bytes (byte strings, see byte-names.ts), so a name
 * that is not valid UTF-8 is restored exactly. Paths are reached through
 * FolderPaths, so a tree deeper than PATH_MAX restores like any other. Runs
 * of zeros in file content are left as holes (sparse-writer.ts).
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, mkdtemp, open, realpath, symlink, lutimes } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract as createTarExtract, type Header } from 'tar-stream';
import { UserError } from '../errors';
import type { SkippedPath } from '../store';
import { reservedArchiveRoot } from '../plan/designate';
import { displayByteString, fromByteString, toByteString } from './byte-names';
import { checkEntryName, checkLinkTarget, quoted } from './entry-names';
import { FolderPaths } from './folder-paths';
import { entryOverheadBytes, FreeSpaceGuard, type StatFs } from './free-space';
import { manifestArchivePath, parseManifest, type Manifest } from './manifest';
import { ManifestBudget } from './manifest-budget';
import { findManifestMismatch, type ExtractedEntry } from './manifest-check';
import { applyDirectoryMetadata, moveIntoPlace, type DirectoryMetadata } from './move-into-place';
import { removeTree } from './remove-tree';
import { SparseWriter } from './sparse-writer';

export interface ExtractLimits {
  /** Entries of any kind, the manifest included. */
  maxEntries: number;
  /** Content bytes of all entries together, before compression. */
  maxBytes: number;
}

export const defaultExtractLimits: ExtractLimits = { maxEntries: 5_000_000, maxBytes: 2 ** 40 };

export interface ExtractOptions {
  overwrite: boolean;
  limits?: Partial<ExtractLimits>;
  /** The file content the backup recorded packing: an archive holding more is refused before the excess is written. */
  expectedContentBytes?: number;
  /** How free space is asked for (fs.statfs unless given). */
  statFs?: StatFs;
  signal?: AbortSignal;
}

export interface ExtractReport {
  files: number;
  directories: number;
  symlinks: number;
  /** File content bytes written. */
  bytes: number;
  /** The plan and time the archive was made, from its manifest. */
  plan: string;
  createdAt: string;
  /** What the backup itself had left out or found changing, from its manifest. */
  skipped: SkippedPath[];
  changed: SkippedPath[];
  /** Symlinks not recreated because they point outside the restore folder; the rest was restored. */
  refusedLinks: SkippedPath[];
}

/** Raised for an archive that must not be extracted; turned into a UserError naming the target. */
class RefusedArchive extends Error {}

export async function extractArchive(input: Readable, targetDir: string, options: ExtractOptions): Promise<ExtractReport> {
  const limits = { ...defaultExtractLimits, ...options.limits };
  const target = resolve(targetDir);
  try {
    await mkdir(target, { recursive: true });
  } catch (err) {
    throw new UserError(`Cannot restore into ${target} (${(err as NodeJS.ErrnoException).code}): choose a folder you can write to.`);
  }
  // The real path, so the target itself may be reached through a symlink the user chose.
  const root = await realpath(target);
  const staging = await mkdtemp(join(root, '.peer-backup-restore-'));
  const rootPaths = new FolderPaths(root);
  const stagingPaths = new FolderPaths(staging);
  try {
    let staged: Staged;
    try {
      const space = new FreeSpaceGuard(staging, target, options.statFs);
      staged = await extractToStaging(input, { staging: stagingPaths, root: rootPaths, space }, options, limits);
    } catch (err) {
      if (err instanceof RefusedArchive) throw new UserError(`Refused to restore into ${target}: the archive ${err.message}. Nothing was written.`);
      if (err instanceof UserError || options.signal?.aborted) throw err;
      throw new UserError(`Could not restore into ${target}: the archive is damaged or not a Peer Backup archive (${(err as Error).message}). Nothing was written.`, { cause: err });
    }
    const moved: string[] = [];
    try {
      await moveIntoPlace(stagingPaths, rootPaths, options.overwrite, moved);
      await applyDirectoryMetadata(rootPaths, staged.directories);
    } catch (err) {
      if (moved.length === 0) throw err;
      const shown = moved.slice(0, 5).join(', ') + (moved.length > 5 ? ` and ${moved.length - 5} more` : '');
      const message = err instanceof UserError ? err.message : (err as Error).message;
      throw new UserError(`${message} (The restore stopped part way: already moved into ${target}: ${shown}.)`, { cause: err });
    }
    const { manifest, counts, refusedLinks } = staged;
    return { ...counts, plan: manifest.plan, createdAt: manifest.createdAt, skipped: manifest.skipped, changed: manifest.changed, refusedLinks };
  } finally {
    await rootPaths.close();
    await stagingPaths.close();
    // Through fresh anchors: the old ones may have moved into the target with their folders.
    const leftovers = new FolderPaths(staging);
    try {
      await removeTree(leftovers);
    } finally {
      await leftovers.close();
    }
  }
}

interface Staged {
  manifest: Manifest;
  directories: DirectoryMetadata[];
  counts: { files: number; directories: number; symlinks: number; bytes: number };
  refusedLinks: SkippedPath[];
}

/** Where extraction writes (staging), what it must not clash with (root), and the disk's room. */
interface Places {
  staging: FolderPaths;
  root: FolderPaths;
  space: FreeSpaceGuard;
}

async function extractToStaging(input: Readable, { staging, root, space }: Places, options: ExtractOptions, limits: ExtractLimits): Promise<Staged> {
  const gunzip = createGunzip();
  // latin1 reads each name byte as one character: names come out as byte strings, whatever their encoding.
  const extractOptions: Parameters<typeof createTarExtract>[0] & { filenameEncoding: BufferEncoding } = { filenameEncoding: 'latin1' };
  const tarExtract = createTarExtract(extractOptions);
  const fail = (err: Error) => tarExtract.destroy(err);
  input.once('error', fail);
  gunzip.once('error', fail);
  const cancel = () => fail(options.signal?.reason as Error);
  options.signal?.addEventListener('abort', cancel, { once: true });
  input.pipe(gunzip).pipe(tarExtract as unknown as NodeJS.WritableStream);

  const extracted = new Map<string, ExtractedEntry>();
  const directories: DirectoryMetadata[] = [];
  const counts = { files: 0, directories: 0, symlinks: 0, bytes: 0 };
  const refusedLinks: SkippedPath[] = [];
  /** The paths of refusedLinks, as byte strings. */
  const notRecreated: string[] = [];
  const knownFolders = new Set<string>();
  let manifest: Manifest | undefined;
  const manifestBudget = new ManifestBudget();
  let entries = 0;
  let declaredBytes = 0;
  let declaredFileBytes = 0;
  try {
    options.signal?.throwIfAborted();
    for await (const entry of tarExtract) {
      const header = entry.header;
      const entryName = nameOf(header);
      if (manifest !== undefined) throw new RefusedArchive(`has entries after its manifest (${shown(entryName)})`);
      if (++entries > limits.maxEntries) throw new RefusedArchive(`has more than ${limits.maxEntries} entries, the limit for a restore`);
      declaredBytes += header.size;
      if (declaredBytes > limits.maxBytes) throw new RefusedArchive(`holds more than ${limits.maxBytes} bytes, the limit for a restore`);

      const name = checkEntryName(entryName);
      if ('problem' in name) throw new RefusedArchive(`has an entry ${shown(entryName)} that ${name.problem}`);
      const path = name.ok;
      if (path === manifestArchivePath && header.type === 'file') {
        manifest = await readManifest(entry, header.size, manifestBudget.limit);
        continue;
      }
      manifestBudget.add(path, linkNameOf(header));
      if (header.type === 'file' || header.type === 'contiguous-file') {
        declaredFileBytes += header.size;
        if (options.expectedContentBytes !== undefined && declaredFileBytes > options.expectedContentBytes) {
          throw new RefusedArchive(
            `holds more file content than the ${options.expectedContentBytes} bytes recorded when the snapshot was made (${shown(path)} alone declares ${header.size}): it is not the archive that was backed up`,
          );
        }
      }
      if (path.split('/')[0] === reservedArchiveRoot) throw new RefusedArchive(`has an entry ${shown(path)} under ${reservedArchiveRoot}/, which is reserved`);
      if (extracted.has(path)) throw new RefusedArchive(`has the entry ${shown(path)} twice`);
      const throughLink = notRecreated.find((link) => path.startsWith(`${link}/`));
      if (throughLink) throw new RefusedArchive(`has an entry ${shown(path)} written through ${shown(throughLink)}, which is not a folder`);
      await refuseIfInTheWay(root, path, header.type === 'directory', options.overwrite);
      await space.claim(header.size + entryOverheadBytes, shown(path));
      await makeParents(staging, path, knownFolders);
      const mode = header.mode & 0o777;

      switch (header.type) {
        case 'directory':
          await drain(entry);
          await makeStagedFolder(staging, path, knownFolders);
          extracted.set(path, { type: 'directory' });
          directories.push({ path, mode, mtime: header.mtime });
          counts.directories++;
          break;
        case 'file':
        case 'contiguous-file': {
          const written = await writeStagedFile(staging, path, entry, mode, header.mtime);
          extracted.set(path, { type: 'file', ...written });
          counts.files++;
          counts.bytes += written.size;
          break;
        }
        case 'symlink': {
          await drain(entry);
          const linkname = linkNameOf(header);
          const target = checkLinkTarget(path, linkname);
          if ('problem' in target) {
            if (linkname === '' || linkname.includes('\0')) throw new RefusedArchive(`has an entry ${shown(path)} that ${target.problem}`);
            // A link out of the folder (a virtualenv's absolute link, say) is not recreated, but the rest of the snapshot is.
            refusedLinks.push({ path: displayByteString(path), reason: `not recreated: it ${target.problem}` });
            notRecreated.push(path);
            extracted.set(path, { type: 'symlink', target: linkname });
            break;
          }
          await symlink(fromByteString(target.ok), await staging.of(path));
          await lutimes(await staging.of(path), header.mtime, header.mtime);
          extracted.set(path, { type: 'symlink', target: target.ok });
          counts.symlinks++;
          break;
        }
        default:
          throw new RefusedArchive(`has an entry ${shown(path)} that ${refusedTypeReason(header.type)}`);
      }
    }
  } catch (err) {
    tarExtract.destroy();
    throw err;
  } finally {
    input.unpipe(gunzip);
    input.destroy();
    gunzip.destroy();
    options.signal?.removeEventListener('abort', cancel);
  }
  options.signal?.throwIfAborted();
  if (manifest === undefined) throw new RefusedArchive(`has no manifest (${manifestArchivePath}): it is truncated, or was not made by Peer Backup`);
  const mismatch = findManifestMismatch(extracted, manifest);
  if (mismatch !== undefined) throw new RefusedArchive(`fails its integrity check: ${mismatch}`);
  return { manifest, directories, counts, refusedLinks };
}

type EntryStream = AsyncIterable<unknown>;

/** Fails early when the entry would land on something in the target that may not be replaced. */
export async function refuseIfInTheWay(root: FolderPaths, path: string, isFolder: boolean, overwrite: boolean): Promise<void> {
  let existing;
  try {
    existing = await lstat(await root.of(path));
  } catch {
    return;
  }
  if (isFolder && existing.isDirectory()) return;
  const where = join(root.folder, displayByteString(path));
  if (existing.isDirectory()) {
    throw new UserError(`${where} is a folder, but the snapshot has a file there: move that folder away, or restore into an empty folder.`);
  }
  if (!overwrite) throw new UserError(`${where} already exists: pass --overwrite to replace it, or restore into an empty folder.`);
}

/**
 * Creates the entry's missing parent folders and checks the existing ones
 * with lstat: a parent that is a symlink or a file means the archive is
 * trying to write through it.
 */
async function makeParents(staging: FolderPaths, path: string, knownFolders: Set<string>): Promise<void> {
  const parts = path.split('/');
  for (let depth = 1; depth < parts.length; depth++) {
    const parent = parts.slice(0, depth).join('/');
    if (knownFolders.has(parent)) continue;
    let stats;
    try {
      stats = await lstat(await staging.of(parent));
    } catch {
      await mkdir(await staging.of(parent), { mode: 0o755 });
      knownFolders.add(parent);
      continue;
    }
    if (!stats.isDirectory()) throw new RefusedArchive(`has an entry ${shown(path)} that would be written through ${shown(parent)}, which is not a folder`);
    knownFolders.add(parent);
  }
}

/** Owner-writable while extracting, so it can be filled; its archived mode is applied at the end. */
async function makeStagedFolder(staging: FolderPaths, path: string, knownFolders: Set<string>): Promise<void> {
  if (knownFolders.has(path)) return;
  try {
    await mkdir(await staging.of(path), { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new RefusedArchive(`has the entry ${shown(path)} both as a folder and as something else`);
    throw err;
  }
  knownFolders.add(path);
}

/** O_EXCL and O_NOFOLLOW: never replace anything, never follow a symlink. */
async function writeStagedFile(staging: FolderPaths, path: string, content: EntryStream, mode: number, mtime: Date): Promise<{ size: number; sha256: string }> {
  let handle;
  try {
    handle = await open(await staging.of(path), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new RefusedArchive(`has an entry ${shown(path)} that clashes with an earlier one`);
    throw err;
  }
  try {
    const hash = createHash('sha256');
    const writer = new SparseWriter(handle);
    let size = 0;
    for await (const data of content) {
      const chunk = data as Buffer;
      hash.update(chunk);
      size += chunk.length;
      await writer.write(chunk);
    }
    await writer.end();
    await handle.chmod(mode);
    await handle.utimes(mtime, mtime);
    return { size, sha256: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}

/** Reads the manifest, refusing from its declared size alone one larger than `limit` (manifest-budget.ts). */
async function readManifest(content: EntryStream, declaredSize: number, limit: number): Promise<Manifest> {
  const tooLarge = () => new RefusedArchive(`has a manifest of ${declaredSize} bytes, more than its entries justify (${limit} bytes)`);
  if (declaredSize > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const data of content) {
    const chunk = data as Buffer;
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  try {
    return parseManifest(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new RefusedArchive((err as Error).message);
  }
}

/**
 * The entry's name as a byte string. A pax record holds UTF-8 text; the other
 * name fields (the header's, GNU long names) were read one byte per character.
 */
function nameOf(header: Header): string {
  return fromPax(header, 'path') ? toByteString(Buffer.from(header.name, 'utf8')) : header.name;
}

/** The symlink's target as a byte string, read as nameOf reads names. */
function linkNameOf(header: Header): string {
  const linkname = header.linkname ?? '';
  return fromPax(header, 'linkpath') ? toByteString(Buffer.from(linkname, 'utf8')) : linkname;
}

/** Whether tar-stream took the field from a pax record (it does when the record has it, non-empty). */
function fromPax(header: Header, key: 'path' | 'linkpath'): boolean {
  const pax = header.pax as Record<string, string> | null | undefined;
  return Boolean(pax?.[key]);
}

/** A byte-string name, quoted for a message. */
function shown(byteString: string): string {
  return quoted(displayByteString(byteString));
}

async function drain(content: EntryStream): Promise<void> {
  for await (const chunk of content) void chunk;
}

function refusedTypeReason(type: Header['type'] | string): string {
  switch (type) {
    case 'link':
      return 'is a hard link, which could reach files outside the restore folder';
    case 'character-device':
    case 'block-device':
      return 'is a device';
    case 'fifo':
      return 'is a FIFO (named pipe)';
    default:
      return `has the unsupported type "${type}"`;
  }
}

