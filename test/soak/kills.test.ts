/**
 * Kill -9 the receiver, then the sender, in the middle of an upload, many
 * times over (PEER_BACKUP_KILLS, 30 by default), with real processes on
 * loopback. After each kill nothing partial may be kept, no run may claim a
 * success it did not get, every stored snapshot must still match its signed
 * receipt, and the next backup must succeed and restore byte for byte.
 * Too long for every test run: `npm run test:kills`.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Run } from '../../src/core/app';
import { cliPath, runCli, runCliJson } from '../helpers/cli';
import { writeFixtureTree } from '../helpers/fixture-tree';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

const kills = Number(process.env.PEER_BACKUP_KILLS ?? 30);

/** Resolves once `condition` holds; fails after `timeoutMs` saying what it waited for. */
async function waitUntil(condition: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** True while the receiver holds a part of an upload on disk. */
function uploadInProgress(storage: string): boolean {
  const temp = join(storage, '.tmp');
  if (!existsSync(temp)) return false;
  return readdirSync(temp).some((name) => {
    try {
      return statSync(join(temp, name)).size > 0;
    } catch {
      return false; // finished and moved meanwhile
    }
  });
}

/** Every stored archive of `sender` next to the size and SHA-256 its receipt states. */
function checkStoredSnapshots(storage: string, sender: string): number {
  const folder = join(storage, sender);
  if (!existsSync(folder)) return 0;
  const receipts = readdirSync(folder).filter((name) => name.endsWith('.receipt.json'));
  for (const name of receipts) {
    const signed = JSON.parse(readFileSync(join(folder, name), 'utf8')) as { statement: string };
    const receipt = JSON.parse(Buffer.from(signed.statement, 'base64').toString('utf8')) as { snapshotId: string; size: number; sha256: string };
    const archive = readFileSync(join(folder, `${receipt.snapshotId}.tar.gz`));
    assert.equal(archive.length, receipt.size, `${receipt.snapshotId}: size differs from its receipt`);
    assert.equal(createHash('sha256').update(archive).digest('hex'), receipt.sha256, `${receipt.snapshotId}: content differs from its receipt`);
  }
  return receipts.length;
}

function startRun(env: NodeJS.ProcessEnv): { child: ChildProcess; result: Promise<{ code: number | null; stdout: string }> } {
  const child = spawn(process.execPath, [cliPath, 'run', 'nightly', '--no-retry', '--json'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.resume();
  return { child, result: new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout }))) };
}

test(`${kills} receiver kills and ${kills} sender kills mid-upload lose nothing and claim nothing`, { timeout: 60 * 60_000 }, async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '100GB');
  const storage = join(receiver.home, 'storage');
  const work = writeFixtureTree(join(tempDir(t), 'project'));
  // Incompressible, so the upload lasts long enough to be caught in the middle.
  writeFileSync(join(work, 'big.bin'), randomBytes(48 * 1024 * 1024));
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  assert.equal((await runCli(['plan', 'add', 'nightly', work, '--dest', receiver.peerId], { env })).code, 0);

  let claimedSuccesses = 0;
  for (let round = 0; round < kills; round++) {
    const serving = await startReceiver(t, receiver.home, registry.url);
    const run = startRun(env);
    await Promise.race([waitUntil(() => uploadInProgress(storage), 'an upload in progress'), run.result]);
    await serving.stop('SIGKILL');
    const { code, stdout } = await run.result;
    // A run that ended before the kill must really be stored; one cut off must say it failed.
    if (code === 0) claimedSuccesses++;
    else assert.match(stdout, /"status": "failed"/, `round ${round}: the cut-off run did not record a failure`);
    assert.equal(checkStoredSnapshots(storage, sender.peerId), claimedSuccesses, `round ${round}: stored snapshots and successes differ`);
  }

  const serving = await startReceiver(t, receiver.home, registry.url);
  t.after(() => serving.stop('SIGKILL'));
  for (let round = 0; round < kills; round++) {
    const run = startRun(env);
    await Promise.race([waitUntil(() => uploadInProgress(storage), 'an upload in progress'), run.result]);
    run.child.kill('SIGKILL');
    await run.result;
    // The receiver drops the part it was given once the connection is gone.
    await waitUntil(() => !uploadInProgress(storage), 'the receiver to drop the partial upload');
    const stored = checkStoredSnapshots(storage, sender.peerId);
    assert.ok(stored >= claimedSuccesses, `round ${round}: a stored snapshot went missing`);
    claimedSuccesses = stored; // a run killed after the receipt was written is stored, whole
  }

  const last = await runCliJson<Run>(['run', 'nightly', '--no-retry'], { env });
  assert.equal(last.status, 'succeeded', last.error ?? '');
  assert.equal(checkStoredSnapshots(storage, sender.peerId), claimedSuccesses + 1);
  const target = join(tempDir(t), 'restored');
  const restored = await runCli(['restore', last.snapshotId!, '--to', target], { env });
  assert.equal(restored.code, 0, restored.stderr);
  const diff = spawnSync('diff', ['-r', '--no-dereference', work, join(target, 'project')], { encoding: 'utf8' });
  assert.equal(diff.status, 0, diff.stdout + diff.stderr);
  t.diagnostic(`receiver kills: ${kills}, sender kills: ${kills}, snapshots stored whole: ${claimedSuccesses + 1}`);
});
