/**
 * A backup's journey through real processes on loopback: one registry, one
 * receiver home, two sender homes; every check reads what is really on disk.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { loadOrCreateIdentity } from '../../src/core/identity/key-file';
import { RegistryClient } from '../../src/core/registry/registry-client';
import type { Run } from '../../src/core/store';
import { runCli, runCliJson } from '../helpers/cli';
import { writeFixtureTree } from '../helpers/fixture-tree';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

function storedFiles(receiverHome: string): string[] {
  const storage = join(receiverHome, 'storage');
  if (!existsSync(storage)) return [];
  // The running receiver's lock file is not stored data.
  return readdirSync(storage, { recursive: true, encoding: 'utf8' })
    .filter((name) => name !== '.lock')
    .sort();
}

/** The entries of a folder, none when it is not there (yet). */
function entriesOf(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** The pack files of a sender's chunked store on the receiver. */
function packFiles(receiverHome: string, senderPeerId: string): string[] {
  const packs = join(receiverHome, 'storage', senderPeerId, 'v2', 'packs');
  return entriesOf(packs).flatMap((folder) => entriesOf(join(packs, folder)).filter((name) => name.endsWith('.tar')).map((name) => join(packs, folder, name)));
}

test('back up a tree to an allowed teammate, list it, restore it byte for byte', async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '10MB');
  await startReceiver(t, receiver.home, registry.url);

  const work = writeFixtureTree(join(tempDir(t), 'project'));
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  assert.equal((await runCli(['dest', 'add', 'teammate', receiver.peerId], { env })).code, 0);
  assert.equal((await runCli(['plan', 'add', 'nightly', work, '--dest', 'teammate'], { env })).code, 0);

  const run = await runCliJson<Run>(['run', 'nightly'], { env });
  assert.equal(run.status, 'succeeded');
  assert.equal(run.files, 4);
  assert.ok(run.snapshotId);

  // The receiver's copy: packs that GNU tar lists, each named by its SHA-256, holding sealed chunks named by their IDs,
  // with no name or content of the project in the clear; and the committed snapshot.
  const store = join(receiver.home, 'storage', sender.peerId, 'v2');
  const packs = packFiles(receiver.home, sender.peerId);
  assert.ok(packs.length > 0, `no pack in ${store}`);
  for (const pack of packs) {
    const listing = execFileSync('tar', ['-tvf', pack, '--numeric-owner'], { encoding: 'utf8' }).trim().split('\n');
    for (const line of listing) assert.match(line, /^-rw------- 0\/0 +\d+ 1970-01-01 00:00 [0-9a-f]{64}(\.r)?$/);
    const bytes = readFileSync(pack);
    assert.equal(`${createHash('sha256').update(bytes).digest('hex')}.tar`, basename(pack));
    for (const clear of ['main.ts', 'résumé final.txt', 'export const answer']) assert.ok(!bytes.includes(clear), `${clear} is readable in ${pack}`);
  }
  assert.deepEqual(entriesOf(join(store, 'snapshots')), [`${run.snapshotId}.json`]);
  assert.deepEqual(entriesOf(join(store, '.tmp')), [], 'nothing partial is left in the store');
  // The receiver's owner sees what the chunked store takes: every pack and snapshot file.
  const stored = [...packs, join(store, 'snapshots', `${run.snapshotId}.json`)].reduce((sum, file) => sum + statSync(file).size, 0);
  const [allowed] = await runCliJson<{ peerId: string; usedBytes: number }[]>(['--home', receiver.home, 'allowed']);
  assert.deepEqual([allowed?.peerId, allowed?.usedBytes], [sender.peerId, stored]);

  const snapshots = await runCliJson<{ snapshotId: string; plan: string; format: string; files: number; localRecord: string }[]>(['snapshots', '--plan', 'nightly'], { env });
  assert.deepEqual(snapshots.map((s) => [s.snapshotId, s.plan, s.format, s.files, s.localRecord]), [[run.snapshotId, 'nightly', 'chunked', 4, 'matches']]);

  const target = join(tempDir(t), 'restored');
  const restored = await runCli(['restore', run.snapshotId!, '--to', target], { env });
  assert.equal(restored.code, 0, restored.stderr);
  const diff = spawnSync('diff', ['-r', '--no-dereference', work, join(target, 'project')], { encoding: 'utf8' });
  assert.equal(diff.status, 0, diff.stdout + diff.stderr);

  // A second restore into the same folder refuses to overwrite.
  const again = await runCli(['restore', run.snapshotId!, '--to', target], { env });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /overwrite/);

  // The destination's key was pinned at the first handshake.
  const [destination] = await runCliJson<{ publicKey: string | null }[]>(['dest', 'list'], { env });
  assert.ok(destination.publicKey);
});

test('a sender that is not allowed is refused and nothing is stored', async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const stranger = await makeHome(t);
  await startReceiver(t, receiver.home, registry.url);
  const work = writeFixtureTree(join(tempDir(t), 'project'));
  const env = { PEER_BACKUP_HOME: stranger.home, PEER_BACKUP_REGISTRY: registry.url };
  await runCli(['plan', 'add', 'nightly', work, '--dest', receiver.peerId], { env });

  const before = storedFiles(receiver.home);
  const result = await runCli(['run', 'nightly'], { env });
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`peer ${stranger.peerId} is not allowed to store here; the receiver's owner can allow it with "peer-backup allow ${stranger.peerId} --quota 10GB"`));
  assert.deepEqual(storedFiles(receiver.home), before);
  const [run] = await runCliJson<Run[]>(['history', 'nightly'], { env });
  assert.deepEqual([run.status, run.failureStep], ['failed', 'not-allowed']);
  assert.match(run.error ?? '', /is not allowed to store here/);
});

test('a registry entry pointing at another machine: the sender aborts before sending a byte', async (t) => {
  const registry = await startRegistry(t);
  const teammate = await makeHome(t);
  const impostor = await makeHome(t);
  const sender = await makeHome(t);
  await allow(teammate.home, sender.peerId, '10MB');
  await allow(impostor.home, sender.peerId, '10MB'); // even a machine that would accept us must not get the data
  const real = await startReceiver(t, teammate.home, registry.url);
  await real.stop('SIGKILL');
  // The teammate's entry still names this port; someone else now answers there.
  const fake = await startReceiver(t, impostor.home, registry.url, real.port);

  const work = writeFixtureTree(join(tempDir(t), 'project'));
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  await runCli(['plan', 'add', 'nightly', work, '--dest', teammate.peerId], { env });
  const result = await runCli(['run', 'nightly'], { env });
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`could not prove it is ${teammate.peerId}`));
  assert.deepEqual(storedFiles(impostor.home), []);
  assert.doesNotMatch(fake.output(), /"method":"PUT"/);
});

/**
 * A TCP link to `port` on loopback that passes on the first `budget` bytes
 * each client sends and then holds the rest back, so an upload through it
 * stays in flight, however fast the machine, until the test ends it.
 */
async function stallingLink(t: TestContext, port: number, budget: number): Promise<number> {
  const link = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    let left = budget;
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk.subarray(0, Math.max(left, 0)));
      left -= chunk.length;
      if (left <= 0) client.pause();
    });
    upstream.pipe(client);
    for (const [from, to] of [[client, upstream], [upstream, client]]) {
      from.on('error', () => to.destroy());
      from.on('close', () => to.destroy());
    }
  });
  await new Promise<void>((resolve) => link.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => link.close(resolve)));
  return (link.address() as AddressInfo).port;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

test('a receiver killed mid-upload keeps nothing partial, and the next run succeeds', { timeout: 60_000 }, async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '1GB');
  const first = await startReceiver(t, receiver.home, registry.url);
  // The registry now sends senders through a link that stalls the upload part-way.
  const linkPort = await stallingLink(t, first.port, 256 * 1024);
  await new RegistryClient(registry.url, { now: () => Date.now() + 1 }).announce(await loadOrCreateIdentity(receiver.home), linkPort, ['127.0.0.1']);

  const work = join(tempDir(t), 'big');
  mkdirSync(work);
  // Incompressible, so the pack is far larger than what the link lets through.
  const content = randomBytes(4 * 1024 * 1024);
  writeFileSync(join(work, 'random.bin'), content);
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  await runCli(['plan', 'add', 'big', work, '--dest', receiver.peerId], { env });

  // Packs are received into the sender's store's temp folder.
  const tmp = join(receiver.home, 'storage', sender.peerId, 'v2', '.tmp');
  const running = runCli(['run', 'big', '--no-retry'], { env });
  await until(() => entriesOf(tmp).length > 0); // the pack's upload has begun, and cannot finish
  await first.stop('SIGKILL');
  const failed = await running;
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /broke off|offline/);

  // Restarted, it announces its own port again and clears the half-received pack.
  await startReceiver(t, receiver.home, registry.url, first.port);
  assert.deepEqual(entriesOf(tmp), [], 'temp files survived the restart');
  assert.deepEqual(packFiles(receiver.home, sender.peerId), []);
  assert.deepEqual(entriesOf(join(receiver.home, 'storage', sender.peerId, 'v2', 'snapshots')), []);

  const run = await runCliJson<Run>(['run', 'big'], { env });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(entriesOf(join(receiver.home, 'storage', sender.peerId, 'v2', 'snapshots')), [`${run.snapshotId}.json`]);
  assert.ok(packFiles(receiver.home, sender.peerId).length > 0);
  const restored = join(tempDir(t), 'restored');
  assert.equal((await runCli(['restore', run.snapshotId!, '--to', restored], { env })).code, 0);
  assert.ok(readFileSync(join(restored, 'big', 'random.bin')).equals(content));
});
