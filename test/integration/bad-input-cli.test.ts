/**
 * What the CLI says when its input is bad: a damaged database, a key file
 * that is a folder, an absurd quota, a server that answers with control
 * characters, and a bug. Always a sentence naming what is at fault, never a
 * stack trace unless asked for with --debug.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { runCli, runCliJson } from '../helpers/cli';
import { makeHome } from '../helpers/peers';
import { withRawDatabase } from '../helpers/raw-database';
import { tempDir } from '../helpers/temp';

const stackLine = /^\s+at /m;

/** A home with one plan, so its database has tables and rows. */
async function homeWithPlan(t: TestContext): Promise<{ home: string; databaseFile: string }> {
  const { home } = await makeHome(t);
  await runCliJson(['plan', 'add', 'work', tempDir(t), '--home', home]);
  return { home, databaseFile: join(home, 'peer-backup.db') };
}

test('a database damaged in its header, or cut short, is named with how to recover, and kept', async (t) => {
  const damages: [string, (file: string) => void][] = [
    ['header overwritten', (file) => writeFileSync(file, Buffer.concat([Buffer.alloc(100, 0x5a), readFileSync(file).subarray(100)]))],
    ['cut short', (file) => truncateSync(file, Math.floor(statSync(file).size / 2))],
  ];
  for (const [what, damage] of damages) {
    const { home, databaseFile } = await homeWithPlan(t);
    damage(databaseFile);
    const damaged = readFileSync(databaseFile);
    const result = await runCli(['plan', 'list', '--home', home]);
    assert.equal(result.code, 1, `${what}: ${result.stderr}`);
    assert.ok(result.stderr.includes(databaseFile), `${what}: ${result.stderr}`);
    assert.match(result.stderr, /is damaged\b.*: keep the file .*start a new home .*--home.*restore your files from your teammate/, what);
    assert.doesNotMatch(result.stderr, stackLine, what);
    assert.deepEqual(readFileSync(databaseFile), damaged, `${what}: the file was changed`);
  }
});

test('a folder where identity.pem belongs is named, with what to do', async (t) => {
  const home = tempDir(t);
  mkdirSync(join(home, 'identity.pem'));
  const result = await runCli(['id', '--home', home]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /identity\.pem is a folder, not a key file: restore it from a backup, or move it aside/);
  assert.doesNotMatch(result.stderr, stackLine);
});

test('a quota over 1PB is refused and nothing is allowed', async (t) => {
  const { home } = await makeHome(t);
  const { peerId } = await makeHome(t);
  const result = await runCli(['allow', peerId, '--quota', '100000000000000000000000PB', '--home', home]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /more than the largest quota, 1PB/);
  assert.deepEqual(await runCliJson(['allowed', '--home', home]), []);
});

test('a bug is one line saying so and where its details are; --debug prints them', async (t) => {
  const { home, databaseFile } = await homeWithPlan(t);
  // A row no version of Peer Backup writes: reading it fails in a way no UserError describes.
  await withRawDatabase(databaseFile, (db) => db.run("UPDATE plans SET excludes = 'not JSON'"));

  const result = await runCli(['plan', 'list', '--home', home]);
  assert.equal(result.code, 2);
  const log = join(home, 'errors.log');
  assert.equal(result.stderr.split('\n').length, 2, `one line: ${result.stderr}`);
  assert.ok(result.stderr.startsWith('peer-backup: unexpected error (a bug in Peer Backup): '), result.stderr);
  assert.ok(result.stderr.endsWith(`; the details are in ${log}.\n`), result.stderr);
  assert.match(readFileSync(log, 'utf8'), stackLine);

  const debug = await runCli(['plan', 'list', '--home', home, '--debug']);
  assert.equal(debug.code, 2);
  assert.match(debug.stderr, /a bug in Peer Backup/);
  assert.match(debug.stderr, stackLine);
});

test('control characters in what a server answers reach the terminal escaped', async (t) => {
  // Not a Peer Backup server: a wrong registry URL that answers every request with a hostile message.
  const hostile = '\x1b[2J\x1b[31mall your files are gone\u202e';
  const wrongUrl = createServer((_request, response) => {
    response.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'nope', message: hostile }));
  });
  await new Promise<void>((resolve) => wrongUrl.listen(0, '127.0.0.1', resolve));
  t.after(() => wrongUrl.close());
  const url = `http://127.0.0.1:${(wrongUrl.address() as AddressInfo).port}`;

  const { home } = await makeHome(t);
  const teammate = await makeHome(t);
  const env = { PEER_BACKUP_HOME: home, PEER_BACKUP_REGISTRY: url };
  await runCliJson(['plan', 'add', 'work', tempDir(t), '--dest', teammate.peerId], { env });

  for (const args of [
    ['run', 'work', '--no-retry'],
    ['snapshots', '--dest', teammate.peerId],
  ]) {
    const result = await runCli(args, { env });
    assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
    const shown = result.stdout + result.stderr;
    assert.ok(shown.includes('\\x1b[2J\\x1b[31mall your files are gone\\u{202e}'), `${args.join(' ')}: ${shown}`);
    assert.ok(!shown.includes('\x1b') && !shown.includes('\u202e'), `${args.join(' ')} printed a raw control character`);
  }
});
