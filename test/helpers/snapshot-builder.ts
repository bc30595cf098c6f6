/**
 * Builds a chunked snapshot of a folder for restore tests, as the contract
 * (docs/PROTOCOL.md ("Snapshots, packs and the exchanges")) describes one: tree lines in walk order, files cut by
 * FastCDC and sealed, the tree's text cut and sealed the same way (or into
 * pieces of a given size, so lines straddle chunks), and a signed manifest.
 * Chunks go into a FolderChunkSource.
 */
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import type { ChunkKeys } from '../../src/core/chunk/chunk-keys';
import { sealChunk } from '../../src/core/chunk/chunk-seal';
import { FastCdcChunker } from '../../src/core/chunk/fastcdc';
import type { Identity } from '../../src/core/identity/keys';
import type { ReadableSnapshot, ReadLimits } from '../../src/core/restore';
import { signManifest } from '../../src/core/snapshot/manifest';
import { ReferenceListWriter, type ReferenceChunk } from '../../src/core/snapshot/reference-chunks';
import { encodeTreeEntry, type TreeEntry } from '../../src/core/snapshot/tree-entry';
import type { Manifest } from '../../src/core/wire/chunk-protocol';
import type { SignedStatement } from '../../src/core/wire/signing';
import type { FolderChunkSource } from './folder-chunk-source';

export interface BuildOptions {
  /** The folder to snapshot; its entries go under `rootName` in the tree. */
  source: string;
  rootName: string;
  keys: ChunkKeys;
  identity: Identity;
  store: FolderChunkSource;
  receiver?: string;
  /** Cut the tree into pieces of this many bytes instead of by content. */
  treePieceBytes?: number;
  /** Changes an entry before it is written to the tree (to make a damaged snapshot). */
  editEntry?: (entry: TreeEntry) => TreeEntry;
  /** Changes the manifest before it is signed. */
  editManifest?: (manifest: Manifest) => Manifest;
  limits?: ReadLimits;
}

export interface BuiltSnapshot {
  manifest: Manifest;
  signed: SignedStatement;
  snapshot: ReadableSnapshot;
  /** Each file's data chunk IDs, by its tree path (UTF-8, for tests). */
  chunksOf: Map<string, string[]>;
}

const readSize = 1024 * 1024;
let built = 0;

export async function buildSnapshot(options: BuildOptions): Promise<BuiltSnapshot> {
  const { keys, store } = options;
  const treeIds: string[] = [];
  const chunksOf = new Map<string, string[]>();
  const referenceChunks: ReferenceChunk[] = [];
  const references = new ReferenceListWriter((chunk) => referenceChunks.push(chunk));
  const treeText: Buffer[] = [];
  let files = 0;
  let contentBytes = 0;

  const storeSealed = async (plaintext: Buffer): Promise<string> => {
    const { id, sealed } = sealChunk(keys, plaintext);
    await store.put(id, sealed);
    return id;
  };

  const dataChunker = new FastCdcChunker();
  const chunkFile = async (path: Buffer): Promise<string[]> => {
    const ids: string[] = [];
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(readSize);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, readSize, null);
        if (bytesRead === 0) break;
        for (const chunk of dataChunker.push(buffer.subarray(0, bytesRead))) ids.push(await storeSealed(chunk));
      }
    } finally {
      await handle.close();
    }
    const last = dataChunker.end();
    if (last !== undefined) ids.push(await storeSealed(last));
    return ids;
  };

  const visit = async (sourcePath: Buffer, treePath: Buffer): Promise<void> => {
    const stats = await lstat(sourcePath);
    const common = { path: treePath, mode: stats.mode & 0o7777, mtimeMs: Math.trunc(stats.mtimeMs) };
    let entry: TreeEntry;
    if (stats.isDirectory()) entry = { type: 'directory', ...common };
    else if (stats.isSymbolicLink()) entry = { type: 'symlink', ...common, target: await readlink(sourcePath, { encoding: 'buffer' }) };
    else entry = { type: 'file', ...common, size: stats.size, chunks: await chunkFile(sourcePath) };
    entry = options.editEntry?.(entry) ?? entry;
    if (entry.type === 'file') {
      files++;
      contentBytes += entry.size;
      entry.chunks.forEach((id) => references.add(id));
      chunksOf.set(entry.path.toString('utf8'), entry.chunks);
    }
    treeText.push(Buffer.from(encodeTreeEntry(entry)));
    if (!stats.isDirectory()) return;
    const names = (await readdir(sourcePath, { encoding: 'buffer' })).sort(Buffer.compare);
    for (const name of names) await visit(Buffer.concat([sourcePath, Buffer.from('/'), name]), Buffer.concat([treePath, Buffer.from('/'), name]));
  };
  await visit(Buffer.from(options.source), Buffer.from(options.rootName));
  references.finish();
  for (const chunk of referenceChunks) await store.put(`${chunk.id}.r`, chunk.bytes);

  const tree = Buffer.concat(treeText);
  const pieces = options.treePieceBytes === undefined ? cutByContent(tree) : cutEvery(tree, options.treePieceBytes);
  for (const piece of pieces) treeIds.push(await storeSealed(piece));

  let manifest: Manifest = {
    version: 2,
    snapshotId: `snapshot-${process.pid}-${++built}`,
    plan: 'restore-test',
    sender: options.identity.peerId,
    receiver: options.receiver ?? 'RECEIV-ERPEER-IDFORT-ESTSON-LYXXXX-XXXXXX',
    createdAt: Date.now(),
    files,
    contentBytes,
    tree: treeIds,
    references: referenceChunks.map((chunk) => chunk.id),
  };
  manifest = options.editManifest?.(manifest) ?? manifest;
  return { manifest, signed: signManifest(options.identity, manifest), snapshot: { manifest, keys, source: store, limits: options.limits }, chunksOf };
}

function cutByContent(data: Buffer): Buffer[] {
  const chunker = new FastCdcChunker();
  const pieces = chunker.push(data);
  const last = chunker.end();
  return last === undefined ? pieces : [...pieces, last];
}

function cutEvery(data: Buffer, size: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let start = 0; start < data.length; start += size) pieces.push(data.subarray(start, start + size));
  return pieces;
}
