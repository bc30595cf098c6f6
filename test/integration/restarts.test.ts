/**
 * Recovery after a process dies or restarts, with real processes on loopback:
 * a registry that comes back with an empty database, and a sender killed in
 * the middle of a run.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryClient } from '../../src/core/registry/registry-client';
import type { Run } from '../../src/core/store';
import { cliPath, runCli, runCliJson, startCli, type LongRunning } from '../helpers/cli';
import { writeFixtureTree } from '../helpers/fixture-tree';
import { allow, announceAt, holdingLink, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';
import { cliArgs, cliEnv } from '../../scripts/lib/cli-args';

/** Polls until `probe` answers true; the bound is generous, for a busy machine. */
async function waitFor(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** A registry with its own empty database, telling peers to check their entry every second. */
async function startEmptyRegistry(t: TestContext, port: string): Promise<LongRunning & { url: string }> {
  const registry = await startCli(
    ['registry', '--port', port, '--host', '127.0.0.1', '--home', tempDir(t), '--check-after', '1'],
    /registry listening on (http:\/\/\S+)/,
  );
  t.after(() => registry.stop());
  return { ...registry, url: registry.ready };
}

test('a registry restarted with an empty database finds a receiver again once the receiver checks its entry', { timeout: 120_000 }, async (t) => {
  const before = await startEmptyRegistry(t, '0');
  const port = new URL(before.url).port;
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '10MB');
  await startReceiver(t, receiver.home, before.url);

  await before.stop('SIGKILL');
  const after = await startEmptyRegistry(t, port);
  assert.equal(after.url, before.url);

  // The receiver re-announces by itself: nothing here talks to it.
  await waitFor('the sender\'s look-up of the receiver to succeed', () =>
    new RegistryClient(after.url).lookup(receiver.peerId, { fresh: true }).then(
      () => true,
      () => false,
    ),
  );
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: after.url };
  await runCliJson(['plan', 'add', 'work', writeFixtureTree(join(tempDir(t), 'work')), '--dest', receiver.peerId], { env });
  const run = await runCliJson<Run>(['run', 'work', '--no-retry'], { env });
  assert.equal(run.status, 'succeeded');
});

test('a sender killed mid-run leaves neither its plan lease nor its pack behind', { timeout: 120_000 }, async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '10MB');
  const receiving = await startReceiver(t, receiver.home, registry.url);
  const env = { ...process.env, PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  const work = writeFixtureTree(join(tempDir(t), 'work'));
  // Incompressible, so its pack is far larger than what the link lets through.
  writeFileSync(join(work, 'random.bin'), randomBytes(1024 * 1024));
  await runCliJson(['plan', 'add', 'work', work, '--dest', receiver.peerId], { env });

  // A link that holds the pack's upload part-way keeps the run going: it holds the plan lease and its pack sits in the spool.
  // Only the pack's connection carries 256 KiB.
  const link = await holdingLink(t, receiving.port, { afterBytes: 256 * 1024 });
  await announceAt(registry.url, receiver.home, link.port);
  const spool = join(sender.home, 'spool');
  const spooled = () => {
    try {
      return readdirSync(spool).filter((name) => name.startsWith('run-'));
    } catch {
      return [];
    }
  };
  const running = spawn(process.execPath, [...cliArgs(cliPath), 'run', 'work'], { env: cliEnv(cliPath, env), stdio: 'ignore' });
  const exited = new Promise((resolve) => running.on('exit', resolve));
  t.after(() => running.kill('SIGKILL'));
  await link.held;
  const [leftBehind] = spooled();
  assert.match(leftBehind ?? '', /^run-\d+-.*\.tar$/, 'the pack being sent is in the spool');
  running.kill('SIGKILL');
  await exited;
  link.release();

  const next = await runCli(['run', 'work', '--no-retry', '--json'], { env });
  assert.equal(next.code, 0, `the next run was refused: ${next.stderr}`);
  assert.equal((JSON.parse(next.stdout) as Run).status, 'succeeded');
  assert.deepEqual(spooled(), [], `${leftBehind} was left in the spool`);
  const history = await runCliJson<Run[]>(['history', 'work'], { env });
  assert.deepEqual(
    history.map((run) => run.status),
    ['succeeded', 'interrupted'],
  );
});
