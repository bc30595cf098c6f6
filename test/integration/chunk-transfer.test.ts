/**
 * The chunked store end to end: a ChunkClient against a real receiver
 * process on loopback (missing, pack, commit, listing, read), its refusals,
 * and a hostile receiver whose read answers the client holds to their bounds.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import { loadOrCreateIdentity } from '../../src/core/identity/key-file';
import { UserError, type ErrorCode } from '../../src/core/errors';
import { ChunkClient } from '../../src/core/transfer/chunk-client';
import { PeerClient } from '../../src/core/transfer/sender';
import { tarHeader } from '../../src/core/receive/chunk-store/tar-header';
import { receiptSchema } from '../../src/core/wire/receipt';
import { openStatement } from '../../src/core/wire/signing';
import { chunkKeys, packFile, sha256, testSnapshot } from '../helpers/chunk-packs';
import { startHostileReceiver, streamBytes } from '../helpers/hostile-receiver';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

const mib = 1024 * 1024;

/** A sender's ChunkClient on a receiver it proved, and the receiver's peer ID. */
async function clientOn(port: number, receiverPeerId: string, senderHome: string) {
  const identity = await loadOrCreateIdentity(senderHome);
  const probe = await new PeerClient(identity).probe(receiverPeerId, { host: '127.0.0.1', port });
  assert.ok(probe.ok, probe.ok ? '' : probe.reason);
  return { identity, client: new ChunkClient(identity, probe.peer), hello: probe.peer.hello };
}

async function refusedWith(promise: Promise<unknown>, code: ErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof UserError, String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  });
}

async function readAll(source: AsyncIterable<{ id: string; bytes: Buffer }>): Promise<{ id: string; bytes: Buffer }[]> {
  const chunks = [];
  for await (const chunk of source) chunks.push(chunk);
  return chunks;
}

test('a snapshot goes through a real receiver: missing, pack, commit, listing, read; refusals for a stranger and a pack that is not its ID', { timeout: 120_000 }, async (t) => {
  const registry = await startRegistry(t);
  const teammate = await makeHome(t);
  const receiver = await startReceiver(t, teammate.home, registry.url);
  const sender = await makeHome(t);
  await allow(teammate.home, sender.peerId, '1GB');
  const { identity, client } = await clientOn(receiver.port, teammate.peerId, sender.home);

  const snapshot = testSnapshot(chunkKeys(), identity, teammate.peerId, 'snap-1', [Buffer.alloc(700_000, 3), Buffer.from('small file')]);
  const entries = [snapshot.tree, ...snapshot.data, ...snapshot.references];
  const ids = entries.map((entry) => entry.name.replace(/\.r$/, ''));
  assert.deepEqual(await client.missing(ids), new Set(ids));
  const early = await client.commit('snap-1', snapshot.signed);
  assert.equal(early.committed, false);

  const spool = tempDir(t);
  const pack = await packFile(spool, entries);
  let sent = 0;
  await client.putPack(pack, undefined, (total) => (sent = total));
  assert.equal(sent, pack.size);
  await client.putPack(pack);
  assert.deepEqual(await client.missing(ids), new Set());

  const committed = await client.commit('snap-1', snapshot.signed);
  assert.ok(committed.committed);
  assert.equal(committed.receipt.version, 2);
  assert.equal(committed.receipt.size, entries.reduce((sum, entry) => sum + entry.bytes.length, 0));
  const listed = await client.listManifests();
  assert.deepEqual(listed, [{ manifest: snapshot.signed, receipt: committed.signed }]);

  const order = [snapshot.references[0]!, snapshot.data[1]!, snapshot.tree, snapshot.data[0]!];
  const read = await readAll(client.read(order.map((entry) => entry.name.replace(/\.r$/, ''))));
  assert.deepEqual(read.map((chunk) => chunk.id), order.map((entry) => entry.name.replace(/\.r$/, '')));
  read.forEach((chunk, i) => assert.ok(chunk.bytes.equals(order[i]!.bytes), `chunk ${i} differs`));
  await refusedWith(readAll(client.read(['a'.repeat(64)])), 'not-found', /chunk a{64} is not stored here/);

  // The hello counts what the chunks take.
  const again = await clientOn(receiver.port, teammate.peerId, sender.home);
  const snapshotFileBytes = Buffer.byteLength(JSON.stringify({ manifest: snapshot.signed, receipt: committed.signed }));
  assert.equal(again.hello.usedBytes, pack.size + snapshotFileBytes);

  // A pack whose bytes are not its ID.
  const other = testSnapshot(chunkKeys(), identity, teammate.peerId, 'snap-2', [Buffer.from('other')]);
  const lying = await packFile(spool, [other.tree]);
  await refusedWith(client.putPack({ ...lying, id: sha256(Buffer.from('something else')) }), 'transfer-failed', /SHA-256 is [0-9a-f]{64}, not its name/);

  // A stranger may not store, and sees nothing.
  const stranger = await makeHome(t);
  const strangerClient = (await clientOn(receiver.port, teammate.peerId, stranger.home)).client;
  await refusedWith(strangerClient.missing(ids), 'not-allowed', new RegExp(`peer ${stranger.peerId} is not allowed to store here`));
  await refusedWith(strangerClient.putPack(pack), 'not-allowed', /is not allowed to store here/);
  assert.deepEqual(await strangerClient.listManifests(), []);
  await refusedWith(readAll(strangerClient.read([ids[0]!])), 'not-found', /is not stored here/);

  // The receipt the listing carries is the teammate's, for that very manifest.
  const receipt = receiptSchema.parse(openStatement(listed[0]!.receipt, (await loadOrCreateIdentity(teammate.home)).publicKey));
  assert.equal(receipt.sha256, sha256(Buffer.from(snapshot.signed.statement, 'base64')));
});

test('a hostile read answer is held to its bounds: an oversized entry, an entry not asked for, an endless stream', { timeout: 120_000 }, async (t) => {
  const teammate = await makeHome(t);
  const sender = await makeHome(t);
  const asked = ['1'.repeat(64), '2'.repeat(64)];
  let answer: (ids: string[], response: ServerResponse) => Promise<void> = async () => undefined;
  const hostile = await startHostileReceiver(t, await loadOrCreateIdentity(teammate.home), {
    receipts: () => [],
    download: (_id, response) => void response.writeHead(404).end(),
    chunkRead: (ids, response) => answer(ids, response),
  });
  const { client } = await clientOn(hostile.port, teammate.peerId, sender.home);

  let sent = 0;
  answer = async (ids, response) => {
    response.writeHead(200, { 'content-type': 'application/x-tar' });
    response.write(tarHeader(ids[0]!, 300 * mib));
    sent = await streamBytes(response, 300 * mib);
  };
  await refusedWith(readAll(client.read(asked)), 'damaged', new RegExp(`holds chunk ${asked[0]} of ${300 * mib} bytes, more than the \\d+ such a chunk may be`));
  assert.ok(sent < 64 * mib, `the hostile receiver got ${sent} bytes out`);

  answer = async (_ids, response) => {
    response.writeHead(200, { 'content-type': 'application/x-tar' });
    response.end(Buffer.concat([tarHeader('3'.repeat(64), 40), Buffer.alloc(512)]));
  };
  await refusedWith(readAll(client.read(asked)), 'damaged', new RegExp(`holds entry "${'3'.repeat(64)}" where chunk ${asked[0]} was expected`));

  answer = async (_ids, response) => {
    response.writeHead(200, { 'content-type': 'application/x-tar' });
    response.end(Buffer.concat([tarHeader(asked[0]!, 40), Buffer.alloc(512), tarHeader(asked[1]!, 40), Buffer.alloc(512), tarHeader(asked[0]!, 40), Buffer.alloc(512)]));
  };
  await refusedWith(readAll(client.read(asked)), 'damaged', /holds more entries than the 2 asked for/);

  // Twenty chunks of the largest size a sealed chunk may be, each one asked for: the answer's byte bound stops them.
  const many = Array.from({ length: 20 }, (_, i) => i.toString(16).padStart(64, '0'));
  answer = async (ids, response) => {
    response.writeHead(200, { 'content-type': 'application/x-tar' });
    const bytes = Buffer.alloc(8 * mib + 30, 1);
    sent = 0;
    for (const id of ids) {
      if (response.destroyed) break;
      const piece = Buffer.concat([tarHeader(id, bytes.length), bytes, Buffer.alloc(512 - (bytes.length % 512))]);
      sent += piece.length;
      if (!response.write(piece)) await new Promise((resolve) => response.once('drain', resolve).once('close', resolve));
    }
    response.end();
  };
  await refusedWith(readAll(client.read(many)), 'damaged', /is larger than the \d+ bytes a read may take/);
  assert.ok(sent < 110 * mib, `the hostile receiver got ${sent} bytes out`);
});
