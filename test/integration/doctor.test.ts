/**
 * `peer-backup doctor` against real processes on loopback: it shows the TLS
 * connection and the peer ID the teammate's certificate proves, and fails,
 * naming the address, when a machine there proves another peer ID.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { TeammateCheck } from '../../src/core/app';
import { loadOrCreateIdentity } from '../../src/core/identity/key-file';
import { runCli, runCliJson } from '../helpers/cli';
import { allow, announceAt, makeHome, startReceiver, startRegistry } from '../helpers/peers';

test('doctor shows TLS 1.3, the peer ID the certificate proves, its key fingerprint and the room allowed', { timeout: 60_000 }, async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '10MB');
  const running = await startReceiver(t, receiver.home, registry.url);
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  assert.equal((await runCli(['dest', 'add', 'alice', receiver.peerId], { env })).code, 0);

  const text = await runCli(['doctor', 'alice'], { env });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`reached: +https://127\\.0\\.0\\.1:${running.port}`));
  assert.match(text.stdout, /TLS: +TLSv1\.3, TLS_AES_256_GCM_SHA384/);
  assert.match(text.stdout, new RegExp(`peer ID: +${receiver.peerId}, proven by its certificate \\(matches\\)`));
  assert.match(text.stdout, /allowed: +yes, 0 B of 10 MiB used/);

  const check = await runCliJson<TeammateCheck>(['doctor', receiver.peerId], { env });
  const key = (await loadOrCreateIdentity(receiver.home)).publicKey;
  assert.deepEqual(check.reached, {
    url: `https://127.0.0.1:${running.port}`,
    protocol: 'TLSv1.3',
    cipher: 'TLS_AES_256_GCM_SHA384',
    provenPeerId: receiver.peerId,
    keyFingerprint: createHash('sha256').update(key).digest('hex').toUpperCase().match(/../g)!.join(':'),
    pinnedKeyMatches: null,
    allowed: true,
    quotaBytes: 10 * 1024 * 1024,
    usedBytes: 0,
  });
  assert.deepEqual(check.failures, []);
});

test('doctor exits 1 naming the address where an impostor answers and the peer ID it proved', { timeout: 60_000 }, async (t) => {
  const registry = await startRegistry(t);
  const teammate = await makeHome(t);
  const impostor = await makeHome(t);
  const sender = await makeHome(t);
  // The impostor's own receiver runs; the registry sends the teammate's senders to it.
  const fake = await startReceiver(t, impostor.home, registry.url);
  await announceAt(registry.url, teammate.home, fake.port);
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };

  const result = await runCli(['doctor', teammate.peerId], { env });
  assert.equal(result.code, 1, result.stdout);
  const address = `127\\.0\\.0\\.1:${fake.port}`;
  assert.match(result.stdout, new RegExp(`not at https://${address}: ${address} presented the certificate of peer ID ${impostor.peerId}, not ${teammate.peerId}`));
  assert.match(result.stderr, new RegExp(`${teammate.peerId} did not prove itself at any address it announced: https://${address}: `));
  assert.doesNotMatch(fake.output(), /"event":"request"/);

  const json = await runCli(['doctor', teammate.peerId, '--json'], { env });
  assert.equal(json.code, 1);
  const check = JSON.parse(json.stdout) as TeammateCheck;
  assert.equal(check.reached, undefined);
  assert.deepEqual(check.failures.map((failure) => failure.kind), ['mismatch']);
});
