/** `peer-backup id` through the real CLI: one identity per home, shown as a typo-checked peer ID. */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parsePeerId, peerIdOf } from '../../src/core/identity/peer-id';
import { runCli, runCliJson } from '../helpers/cli';
import { tempDir } from '../helpers/temp';

test('peer-backup id makes the key on first use and shows the same ID afterwards', async (t) => {
  const home = tempDir(t);
  const first = await runCli(['id', '--home', home]);
  assert.equal(first.code, 0, first.stderr);
  const peerId = first.stdout.trim();
  assert.equal(parsePeerId(peerId), peerId);
  assert.equal(statSync(join(home, 'identity.pem')).mode & 0o777, 0o600);

  const shown = await runCliJson<{ peerId: string; publicKey: string }>(['id', '--home', home]);
  assert.equal(shown.peerId, peerId);
  assert.equal(peerIdOf(Buffer.from(shown.publicKey, 'base64')), peerId);

  const elsewhere = await runCliJson<{ peerId: string }>(['id'], { env: { PEER_BACKUP_HOME: tempDir(t) } });
  assert.notEqual(elsewhere.peerId, peerId);
});

test('processes that start together in a new home agree on one identity', async (t) => {
  const home = tempDir(t);
  const results = await Promise.all(Array.from({ length: 6 }, () => runCli(['id', '--home', home])));
  for (const result of results) assert.equal(result.code, 0, result.stderr);
  assert.equal(new Set(results.map((result) => result.stdout)).size, 1);
});
