/**
 * A teammate's receiver that lies about sizes cannot make a restore spool
 * more than the receipt promised: a hostile receiver (the teammate's real
 * identity, crafted answers) against the real CLI on loopback.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { loadOrCreateIdentity } from '../../src/core/identity/key-file';
import type { Receipt } from '../../src/core/wire/receipt';
import { runCli } from '../helpers/cli';
import { startHostileReceiver, streamBytes, type HostileAnswers } from '../helpers/hostile-receiver';
import { announceAt, makeHome, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

const mib = 1024 * 1024;
const snapshotId = '20250101T000000Z-1-abcdef';

/** A sender and a teammate whose announced address is a hostile receiver answering with `download`. */
async function hostileTeammate(t: TestContext, download: HostileAnswers['download'], listing?: HostileAnswers['listing']) {
  const registry = await startRegistry(t);
  const teammate = await makeHome(t);
  const sender = await makeHome(t);
  const receipt = (senderPeerId: string): Receipt => ({
    version: 1,
    snapshotId,
    plan: 'nightly',
    sender: senderPeerId,
    receiver: teammate.peerId,
    size: 16,
    sha256: '0'.repeat(64),
    storedAt: Date.now(),
  });
  const hostile = await startHostileReceiver(t, await loadOrCreateIdentity(teammate.home), { receipts: (peer) => [receipt(peer)], download, listing });
  await announceAt(registry.url, teammate.home, hostile.port);
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  const restore = (target: string) => runCli(['restore', snapshotId, '--to', target, '--dest', teammate.peerId, '--trust-teammate-copy'], { env });
  const list = () => runCli(['snapshots', '--dest', teammate.peerId], { env });
  return { teammate, sender, restore, list, spool: join(sender.home, 'spool') };
}

/** The largest file in the spool folder now (none yet: 0). */
function largestSpoolFile(spool: string): number {
  if (!existsSync(spool)) return 0;
  return Math.max(0, ...readdirSync(spool).map((name) => statSync(join(spool, name), { throwIfNoEntry: false })?.size ?? 0));
}

test('a Content-Length of 300 MiB for a receipt of 16 bytes is refused before the body is read', { timeout: 120_000 }, async (t) => {
  let sent: Promise<number> = Promise.resolve(0);
  const { teammate, restore, spool } = await hostileTeammate(t, (_id, response) => {
    response.writeHead(200, { 'content-type': 'application/gzip', 'content-length': String(300 * mib) });
    sent = streamBytes(response, 300 * mib);
  });
  const target = join(tempDir(t), 'restored');
  const result = await restore(target);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`${teammate.peerId}'s copy of snapshot ${snapshotId} is announced as ${300 * mib} bytes, not the 16 bytes of its receipt; nothing was restored`));
  // The connection was dropped at the headers: the server got out what socket buffers hold, not the body.
  assert.ok((await sent) < 64 * mib, `the server sent ${await sent} bytes`);
  assert.equal(largestSpoolFile(spool), 0);
  assert.ok(!existsSync(target) || readdirSync(target).length === 0);
});

test('a chunked body of 300 MiB for a receipt of 16 bytes stops at the receipt size, the spool never past it', { timeout: 120_000 }, async (t) => {
  let largestSeen = 0;
  let sent: Promise<number> = Promise.resolve(0);
  const { teammate, restore, spool } = await hostileTeammate(t, (_id, response) => {
    response.writeHead(200, { 'content-type': 'application/gzip' });
    // Each chunk goes out only once the client read the last (backpressure), so the spool is looked at all along its growth.
    sent = streamBytes(response, 300 * mib, () => (largestSeen = Math.max(largestSeen, largestSpoolFile(spool))));
  });
  const target = join(tempDir(t), 'restored');
  const result = await restore(target);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`${teammate.peerId}'s copy of snapshot ${snapshotId} is longer than its receipt says: \\d+ bytes arrived, the receipt says 16; nothing was restored`));
  const total = await sent;
  assert.ok(total < 64 * mib, `the server sent ${total} bytes before the client let go`);
  assert.ok(largestSeen <= 16, `the spool held ${largestSeen} bytes`);
  assert.deepEqual(existsSync(spool) ? readdirSync(spool) : [], []);
  assert.ok(!existsSync(target) || readdirSync(target).length === 0);
});

test('a listing larger than any teammate\'s should be is refused with a clear error, not read on', { timeout: 120_000 }, async (t) => {
  let sent: Promise<number> = Promise.resolve(0);
  const { teammate, list } = await hostileTeammate(
    t,
    (_id, response) => void response.destroy(),
    (response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      sent = streamBytes(response, 300 * mib);
    },
  );
  const result = await list();
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`${teammate.peerId}'s list of the snapshots it holds for us is larger than 48 MiB`));
  const total = await sent;
  assert.ok(total < 48 * mib + 64 * mib, `the server sent ${total} bytes`);
});
