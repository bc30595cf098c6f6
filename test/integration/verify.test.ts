/**
 * Verify through real processes: the teammate re-hashes its packs and this
 * machine reads the data back and opens it; a byte flipped in a stored pack
 * is found both ways and names the snapshot affected, and only that one.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readdirSync, readSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, runCliJson } from '../helpers/cli';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

interface VerifyJson {
  status: string;
  snapshots: number;
  packsChecked: number;
  chunksRead: number;
  damaged: { snapshotId: string; problem: string }[];
}

function packFiles(receiverHome: string, sender: string): string[] {
  const packs = join(receiverHome, 'storage', sender, 'v2', 'packs');
  return readdirSync(packs, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.tar'))
    .map((name) => join(packs, name));
}

function flipByte(file: string, at: number): void {
  const fd = openSync(file, 'r+');
  try {
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, at);
    byte[0]! ^= 0x01;
    writeSync(fd, byte, 0, 1, at);
  } finally {
    closeSync(fd);
  }
}

/** Runs verify with --json; a damaged result exits 1 but still prints the report. */
async function verify(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; report: VerifyJson; stderr: string }> {
  const result = await runCli(['verify', ...args, '--json'], { env });
  return { code: result.code, report: JSON.parse(result.stdout) as VerifyJson, stderr: result.stderr };
}

test('verify finds a flipped byte in a stored pack, by the teammate\'s re-hash and by reading the data back, and names only the snapshot affected', { timeout: 240_000 }, async (t) => {
  const registry = await startRegistry(t);
  const teammate = await makeHome(t);
  const laptop = await makeHome(t);
  await allow(teammate.home, laptop.peerId, '200MB');
  await startReceiver(t, teammate.home, registry.url);
  const work = join(tempDir(t), 'work');
  mkdirSync(work);
  const env = { PEER_BACKUP_HOME: laptop.home, PEER_BACKUP_REGISTRY: registry.url };
  assert.equal((await runCli(['plan', 'add', 'work', work, '--dest', teammate.peerId], { env })).code, 0);
  await runCliJson(['forget', '--plan', 'work', '--dry-run', '--keep-last', '5', '--keep-hourly', '0', '--keep-daily', '0', '--keep-weekly', '0', '--keep-monthly', '0'], { env });

  writeFileSync(join(work, 'big.bin'), randomBytes(2 * 1024 * 1024));
  const first = (await runCliJson<{ snapshotId: string }>(['run', 'work'], { env })).snapshotId;
  const firstPacks = packFiles(teammate.home, laptop.peerId);
  writeFileSync(join(work, 'big.bin'), randomBytes(2 * 1024 * 1024));
  const second = (await runCliJson<{ snapshotId: string }>(['run', 'work'], { env })).snapshotId;

  const clean = await verify(['work', '--read-data'], env);
  assert.equal(clean.code, 0, clean.stderr);
  assert.equal(clean.report.status, 'ok');
  assert.equal(clean.report.snapshots, 2);
  assert.ok(clean.report.packsChecked >= 2);
  assert.ok(clean.report.chunksRead >= 4, `${clean.report.chunksRead} chunks read`);

  // The first backup's pack holds the first big.bin, which only the first snapshot references.
  const [pack] = firstPacks.sort((a, b) => statSync(b).size - statSync(a).size);
  flipByte(pack!, Math.floor(statSync(pack!).size / 2));

  const scrubbed = await verify(['work'], env);
  assert.equal(scrubbed.code, 1);
  assert.equal(scrubbed.report.status, 'damaged');
  assert.deepEqual(scrubbed.report.damaged.map((each) => each.snapshotId), [first]);
  assert.match(scrubbed.report.damaged[0]!.problem, /no longer matches its SHA-256/);
  assert.match(scrubbed.stderr, new RegExp(`damaged snapshots at its teammate: ${first}\\.`));

  const read = await verify(['work', '--read-data'], env);
  assert.equal(read.code, 1);
  const byReading = read.report.damaged.filter((each) => /^chunk /.test(each.problem));
  assert.deepEqual([...new Set(byReading.map((each) => each.snapshotId))], [first], JSON.stringify(read.report.damaged));
  assert.match(byReading[0]!.problem, /tampered|altered|does not open|tag/i);
  assert.ok(!read.report.damaged.some((each) => each.snapshotId === second));
});
