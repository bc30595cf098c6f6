/** Packs and snapshots of the chunked store built the way a sender builds them: sealed chunks, reference chunks, a signed manifest, tar-stream packs. */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pack as tarPack } from 'tar-stream';
import type { PackFile } from '../../src/core/backup/chunk-destination';
import { deriveChunkKeys, generateStorageSecret, type ChunkKeys } from '../../src/core/chunk/chunk-keys';
import { sealChunk } from '../../src/core/chunk/chunk-seal';
import type { Identity } from '../../src/core/identity/keys';
import { signManifest } from '../../src/core/snapshot/manifest';
import { ReferenceListWriter, type ReferenceChunk } from '../../src/core/snapshot/reference-chunks';
import type { Manifest } from '../../src/core/wire/chunk-protocol';
import type { SignedStatement } from '../../src/core/wire/signing';

export interface PackEntryBytes {
  /** `<id>` for a sealed chunk, `<id>.r` for a reference chunk (or anything, to build a bad pack). */
  name: string;
  bytes: Buffer;
}

/** The bytes of a pack holding `entries`, headers as STORE.md says. */
export async function packBytes(entries: PackEntryBytes[]): Promise<Buffer> {
  const pack = tarPack();
  for (const entry of entries) pack.entry({ name: entry.name, size: entry.bytes.length, mode: 0o600, uid: 0, gid: 0, mtime: new Date(0) }, entry.bytes);
  pack.finalize();
  const pieces: Buffer[] = [];
  for await (const piece of pack) pieces.push(piece as Buffer);
  return Buffer.concat(pieces);
}

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Writes the pack into `dir` as a spool file would be: named by its SHA-256. */
export async function packFile(dir: string, entries: PackEntryBytes[]): Promise<PackFile & { bytes: Buffer }> {
  const bytes = await packBytes(entries);
  const id = sha256(bytes);
  const path = join(dir, `${id}.tar`);
  writeFileSync(path, bytes);
  return { id, path, size: bytes.length, chunks: entries.length, bytes };
}

export interface TestSnapshot {
  snapshotId: string;
  manifest: Manifest;
  signed: SignedStatement;
  /** Its data chunks, sealed, as pack entries. */
  data: PackEntryBytes[];
  /** Its one tree chunk, sealed. */
  tree: PackEntryBytes;
  /** Its reference chunks, named `<id>.r`. */
  references: PackEntryBytes[];
}

export function chunkKeys(): ChunkKeys {
  return deriveChunkKeys(generateStorageSecret());
}

/** A snapshot of `files` (one data chunk each) from `sender` to `receiverPeerId`. */
export function testSnapshot(keys: ChunkKeys, sender: Identity, receiverPeerId: string, snapshotId: string, files: Buffer[]): TestSnapshot {
  const data = files.map((content) => sealChunk(keys, content));
  const referenceChunks: ReferenceChunk[] = [];
  const writer = new ReferenceListWriter((chunk) => referenceChunks.push(chunk));
  for (const chunk of data) writer.add(chunk.id);
  writer.finish();
  const lines = files.map((content, i) => JSON.stringify({ p: `file-${i}`, t: 'f', m: 0o644, mt: 0, s: content.length, c: [data[i]!.id] })).join('\n');
  const tree = sealChunk(keys, Buffer.from(`${lines}\n`));
  const manifest: Manifest = {
    version: 2,
    snapshotId,
    plan: 'nightly',
    sender: sender.peerId,
    receiver: receiverPeerId,
    createdAt: 1_700_000_000_000,
    files: files.length,
    contentBytes: files.reduce((sum, content) => sum + content.length, 0),
    tree: [tree.id],
    references: referenceChunks.map((chunk) => chunk.id),
  };
  return {
    snapshotId,
    manifest,
    signed: signManifest(sender, manifest),
    data: data.map((chunk) => ({ name: chunk.id, bytes: chunk.sealed })),
    tree: { name: tree.id, bytes: tree.sealed },
    references: referenceChunks.map((chunk) => ({ name: `${chunk.id}.r`, bytes: chunk.bytes })),
  };
}
