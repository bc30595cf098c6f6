/**
 * A chunk destination for tests: keeps each pack it is given in a folder
 * (checked against its ID, parsed, entry by entry), answers `missing` from
 * what those packs hold, and commits a manifest only when every chunk it
 * references is held, signing a version 2 receipt as a receiver would.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import type { ChunkDestination, CommitResult, PackFile } from '../../src/core/backup/chunk-destination';
import type { ChunkKeys } from '../../src/core/chunk/chunk-keys';
import { openChunk } from '../../src/core/chunk/chunk-seal';
import { generateIdentity, type Identity } from '../../src/core/identity/keys';
import { openManifest } from '../../src/core/snapshot/manifest';
import { idsInReferenceChunk, referenceChunkId } from '../../src/core/snapshot/reference-chunks';
import { decodeTreeLine, type TreeEntry } from '../../src/core/snapshot/tree-entry';
import { chunkIdPattern, referenceEntrySuffix, type Manifest } from '../../src/core/wire/chunk-protocol';
import { signStatement, type SignedStatement } from '../../src/core/wire/signing';

export interface StoredPack {
  file: string;
  names: string[];
}

export class FolderDestination implements ChunkDestination {
  readonly identity: Identity = generateIdentity();
  /** Sealed chunks and reference chunks held, by ID. */
  readonly chunks = new Map<string, Buffer>();
  readonly packs: StoredPack[] = [];
  readonly snapshots = new Map<string, Manifest>();
  /** Every ID `missing` was asked about, in order. */
  readonly asked: string[] = [];

  constructor(
    private readonly folder: string,
    private readonly senderKey: Buffer,
  ) {}

  async missing(ids: string[]): Promise<Set<string>> {
    if (ids.length > 20_000) throw new Error(`asked about ${ids.length} IDs at once`);
    this.asked.push(...ids);
    return new Set(ids.filter((id) => !this.chunks.has(id)));
  }

  async putPack(pack: PackFile, _signal?: AbortSignal, onBytes?: (sent: number) => void): Promise<void> {
    const bytes = await readFile(pack.path);
    if (bytes.length !== pack.size || createHash('sha256').update(bytes).digest('hex') !== pack.id) throw new Error(`pack ${pack.id} does not match its ID or size`);
    const names: string[] = [];
    const parser = extract();
    const parsing = (async () => {
      for await (const entry of parser) {
        const { name, type, mode, mtime, uid, gid } = entry.header;
        if (type !== 'file' || mode !== 0o600 || mtime?.getTime() !== 0 || uid !== 0 || gid !== 0) throw new Error(`entry ${name} has a header a pack must not have`);
        const parts: Buffer[] = [];
        for await (const part of entry) parts.push(part as Buffer);
        const content = Buffer.concat(parts);
        const id = name.endsWith(referenceEntrySuffix) ? name.slice(0, -referenceEntrySuffix.length) : name;
        if (!chunkIdPattern.test(id) || names.includes(name)) throw new Error(`entry name ${name} is not a chunk ID, or is there twice`);
        if (name.endsWith(referenceEntrySuffix) && referenceChunkId(content) !== id) throw new Error(`reference chunk ${id} does not hash to its name`);
        names.push(name);
        this.chunks.set(id, content);
      }
    })();
    createReadStream(pack.path).pipe(parser);
    await parsing;
    if (names.length !== pack.chunks) throw new Error(`pack ${pack.id} holds ${names.length} entries, not ${pack.chunks}`);
    const file = join(this.folder, `${pack.id}.tar`);
    await copyFile(pack.path, file);
    this.packs.push({ file, names });
    onBytes?.(pack.size);
  }

  async commit(snapshotId: string, signed: SignedStatement): Promise<CommitResult> {
    const manifest = openManifest(signed, this.senderKey);
    if (!manifest || manifest.snapshotId !== snapshotId || manifest.receiver !== this.identity.peerId) throw new Error('the manifest is not signed by the sender, or not for this snapshot and receiver');
    const needed = [...manifest.tree, ...manifest.references];
    for (const reference of manifest.references) {
      const held = this.chunks.get(reference);
      if (held) needed.push(...idsInReferenceChunk(held)!);
    }
    const missing = needed.filter((id) => !this.chunks.has(id));
    if (missing.length > 0) return { committed: false, missing };
    this.snapshots.set(snapshotId, manifest);
    const size = [...new Set(needed)].reduce((sum, id) => sum + this.chunks.get(id)!.length, 0);
    const receipt = {
      version: 2 as const,
      snapshotId,
      plan: manifest.plan,
      sender: manifest.sender,
      receiver: manifest.receiver,
      size,
      sha256: createHash('sha256').update(Buffer.from(signed.statement, 'base64')).digest('hex'),
      storedAt: Date.now(),
    };
    return { committed: true, receipt, signed: signStatement(this.identity, receipt) };
  }

  /** Drops a held chunk, as a receiver that lost it would. */
  forget(id: string): void {
    this.chunks.delete(id);
  }

  /** The entries of a committed snapshot's tree, opened with the sender's keys. */
  treeOf(snapshotId: string, keys: ChunkKeys): TreeEntry[] {
    const manifest = this.snapshots.get(snapshotId)!;
    const text = Buffer.concat(manifest.tree.map((id) => openChunk(keys, id, this.chunks.get(id)!))).toString('utf8');
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map(decodeTreeLine);
  }

  /** A file entry's content, from its opened chunks (its slice of the one chunk, for a small file stored in a shared one). */
  contentOf(entry: TreeEntry & { type: 'file' }, keys: ChunkKeys): Buffer {
    const content = Buffer.concat(entry.chunks.map((id) => openChunk(keys, id, this.chunks.get(id)!)));
    return entry.offset === undefined ? content : content.subarray(entry.offset, entry.offset + entry.size);
  }
}
