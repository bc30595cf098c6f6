/**
 * Kill -9 the receiver, then the sender, at random points of a backup run,
 * many times over (PEER_BACKUP_KILLS, 30 by default), with real
 * processes on loopback. Each round writes new content, so every run has
 * packs to send. After each kill: no run claims a success it did not get,
 * the newest committed snapshot restores byte for byte as the tree was when
 * it was made, and the next run succeeds and stores the current content; at
 * the end every snapshot kept restores whole. Too long for every test run:
 * `npm run test:kills`.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ListedSnapshot, Run } from '../../src/core/app';
import { cliPath, runCli, runCliJson } from '../helpers/cli';
import { writeFixtureTree } from '../helpers/fixture-tree';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';
import { cliArgs, cliEnv } from '../../scripts/lib/cli-args';

const kills = Number(process.env.PEER_BACKUP_KILLS ?? 30);
const bigBytes = 48 * 1024 * 1024;

/** Resolves once `condition` holds; fails after `timeoutMs` saying what it waited for. */
async function waitUntil(condition: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The bytes the receiver holds of uploads in progress (its temp folders). */
function bytesInFlight(storage: string): number {
  let total = 0;
  const visit = (dir: string, depth: number) => {
    if (!existsSync(dir) || depth > 3) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      try {
        if (entry.isDirectory()) visit(path, depth + 1);
        else if (dir.endsWith('.tmp')) total += statSync(path).size;
      } catch {
        // finished and moved meanwhile
      }
    }
  };
  visit(storage, 0);
  return total;
}

function startRun(env: NodeJS.ProcessEnv): { child: ChildProcess; result: Promise<{ code: number | null; stdout: string }> } {
  const child = spawn(process.execPath, [...cliArgs(cliPath), 'run', 'nightly', '--no-retry', '--json'], { env: cliEnv(cliPath, { ...process.env, ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.resume();
  return { child, result: new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout }))) };
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

test(`${kills} receiver kills and ${kills} sender kills at random points lose nothing and claim nothing`, { timeout: 90 * 60_000 }, async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '100GB');
  const storage = join(receiver.home, 'storage');
  const work = writeFixtureTree(join(tempDir(t), 'project'));
  const big = join(work, 'big.bin');
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  assert.equal((await runCli(['plan', 'add', 'nightly', work, '--dest', receiver.peerId], { env })).code, 0);
  // Every content big.bin had: a committed snapshot must hold one of them, whole.
  const written = new Set<string>();
  const newContent = () => {
    // Incompressible and new each round, so the run has packs to send and can be caught sending them.
    writeFileSync(big, randomBytes(bigBytes));
    written.add(sha256(big));
  };
  const restoreTarget = join(tempDir(t), 'restored');
  /** Every snapshot listed (or only the newest) restores as the tree was. */
  const checkCommitted = async (which: 'newest' | 'all', round: string) => {
    const listed = await runCliJson<ListedSnapshot[]>(['snapshots'], { env });
    const chosen = which === 'all' ? listed : listed.slice(-1);
    for (const snapshot of chosen) {
      rmSync(restoreTarget, { recursive: true, force: true });
      const restored = await runCli(['restore', snapshot.snapshotId, '--to', restoreTarget], { env });
      assert.equal(restored.code, 0, `${round}: snapshot ${snapshot.snapshotId} does not restore: ${restored.stderr}`);
      const copy = join(restoreTarget, 'project');
      assert.ok(written.has(sha256(join(copy, 'big.bin'))), `${round}: snapshot ${snapshot.snapshotId} holds a big.bin that was never written`);
      const diff = spawnSync('diff', ['-r', '--no-dereference', '--exclude=big.bin', work, copy], { encoding: 'utf8' });
      assert.equal(diff.status, 0, `${round}: ${diff.stdout}${diff.stderr}`);
    }
    return listed.at(-1);
  };

  /** Kills at a random point: some rounds while packs stream in, others at a random moment of the run (before any upload, or during the commit). */
  let runMs = 5_000;
  const killPoint = async (run: ReturnType<typeof startRun>) => {
    const byBytes = randomInt(2) === 0;
    const killAt = randomInt(1, 32 * 1024 * 1024);
    const moment = byBytes ? waitUntil(() => bytesInFlight(storage) >= killAt, 'an upload in progress') : sleep(randomInt(0, Math.ceil(runMs * 1.2)));
    await Promise.race([moment, run.result]);
  };
  /** An uninterrupted run: it must succeed, and its snapshot must hold what big.bin holds now. */
  const nextRunSucceeds = async (round: string) => {
    const started = Date.now();
    const next = await runCliJson<Run>(['run', 'nightly', '--no-retry'], { env });
    runMs = Date.now() - started;
    assert.equal(next.status, 'succeeded', `${round}: the run after the kill failed: ${next.error ?? ''}`);
    await checkCommitted('newest', round);
    const copy = join(restoreTarget, 'project', 'big.bin');
    assert.equal(sha256(copy), sha256(big), `${round}: the run after the kill did not store the current content`);
  };

  for (let round = 0; round < kills; round++) {
    newContent();
    const serving = await startReceiver(t, receiver.home, registry.url);
    const run = startRun(env);
    await killPoint(run);
    await serving.stop('SIGKILL');
    const { code, stdout } = await run.result;
    const restarted = await startReceiver(t, receiver.home, registry.url);
    const newest = await checkCommitted('newest', `receiver kill ${round}`);
    if (code === 0) {
      // A run that claims success names a snapshot, and it is there (retention never forgets the newest).
      const claimed = (JSON.parse(stdout) as Run).snapshotId;
      assert.equal(newest?.snapshotId, claimed, `receiver kill ${round}: the run claimed snapshot ${claimed}, but the newest committed is ${newest?.snapshotId}`);
    } else {
      assert.match(stdout, /"status": "failed"/, `receiver kill ${round}: the cut-off run did not record a failure`);
    }
    newContent();
    await nextRunSucceeds(`after receiver kill ${round}`);
    await restarted.stop();
  }

  const serving = await startReceiver(t, receiver.home, registry.url);
  t.after(() => serving.stop('SIGKILL'));
  for (let round = 0; round < kills; round++) {
    newContent();
    const run = startRun(env);
    await killPoint(run);
    run.child.kill('SIGKILL');
    await run.result;
    // The receiver drops what it was given once the connection is gone.
    await waitUntil(() => bytesInFlight(storage) === 0, 'the receiver to drop the partial upload');
    await checkCommitted('newest', `sender kill ${round}`);
    newContent();
    await nextRunSucceeds(`after sender kill ${round}`);
  }

  newContent();
  const last = await runCliJson<Run>(['run', 'nightly', '--no-retry'], { env });
  assert.equal(last.status, 'succeeded', last.error ?? '');
  await checkCommitted('all', 'final');
  const kept = (await runCliJson<ListedSnapshot[]>(['snapshots'], { env })).length;
  t.diagnostic(`receiver kills: ${kills}, sender kills: ${kills}, snapshots kept by retention, each restored whole: ${kept}`);
});
