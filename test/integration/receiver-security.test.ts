/**
 * Requests crafted by hand against a real receiver process, over TLS as a
 * peer would send them: a tampered pack, a replayed request, a pack over
 * quota and a request signed as another peer than the connection's are each
 * refused, and nothing is stored; a client without an acceptable
 * certificate is disconnected before its request is read.
 */
import assert from 'node:assert/strict';
import { createHash, webcrypto } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { loadOrCreateIdentity } from '../../src/core/identity/key-file';
import { generateIdentity, type Identity } from '../../src/core/identity/keys';
import type { Receipt } from '../../src/core/wire/receipt';
import { isReceiverErrorCode } from '../../src/core/wire/receiver-error-codes';
import { signRequest, signStatement } from '../../src/core/wire/signing';
import { packBytes } from '../helpers/chunk-packs';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { signedHeaders, tlsHttp, tlsSocket } from '../helpers/tls-peer';

/** PUTs `body` as the pack named by (and signed as) `signedPack`'s SHA-256. */
async function uploadPack(url: string, receiverPeerId: string, sender: Identity, body: Buffer, signedPack: Buffer = body) {
  const packId = createHash('sha256').update(signedPack).digest('hex');
  const path = `/v2/packs/${packId}`;
  return (await tlsHttp(sender)).put(`${url}${path}`, body, {
    headers: { 'content-type': 'application/x-tar', ...signRequest(sender, { method: 'PUT', path, length: body.length, sha256: packId, receiverPeerId }) },
  });
}

/** A pack of one entry (as a sender names a sealed chunk: its ID) holding `content`. */
function onePack(content: Buffer): Promise<Buffer> {
  return packBytes([{ name: createHash('sha256').update(content).digest('hex'), bytes: content }]);
}

async function setUp(t: Parameters<typeof startRegistry>[0], quota: string) {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = generateIdentity();
  await allow(receiver.home, sender.peerId, quota);
  const running = await startReceiver(t, receiver.home, registry.url);
  // The files stored; the running receiver's lock file is not one, and an empty folder holds nothing.
  const stored = () =>
    readdirSync(join(receiver.home, 'storage'), { recursive: true, withFileTypes: true })
      .filter((entry) => !entry.isDirectory() && entry.name !== '.lock')
      .map((entry) => relative(join(receiver.home, 'storage'), join(entry.parentPath, entry.name)))
      .sort();
  return { url: `https://127.0.0.1:${running.port}`, receiver, sender, stored, running, http: await tlsHttp(sender) };
}

test('a pack that differs from the signed hash is refused and nothing is stored', async (t) => {
  const { url, receiver, sender, stored } = await setUp(t, '1MB');
  const signed = await onePack(Buffer.alloc(1000, 1));
  const tampered = await onePack(Buffer.alloc(1000, 2));
  assert.equal(tampered.length, signed.length);
  const response = await uploadPack(url, receiver.peerId, sender, tampered, signed);
  assert.equal(response.status, 400);
  assert.equal(response.data.error, 'bad-request');
  assert.match(response.data.message, /SHA-256/);
  assert.deepEqual(stored(), []);

  const honest = await uploadPack(url, receiver.peerId, sender, signed);
  assert.equal(honest.status, 201, JSON.stringify(honest.data));
  assert.equal(stored().filter((file) => file.endsWith('.tar')).length, 1);
});

test('a replayed request is refused even though its signature is valid', async (t) => {
  const { url, receiver, sender, http } = await setUp(t, '1MB');
  const headers = signRequest(sender, { method: 'GET', path: '/v1/snapshots', length: 0, sha256: createHash('sha256').digest('hex'), receiverPeerId: receiver.peerId });
  assert.equal((await http.get(`${url}/v1/snapshots`, { headers })).status, 200);
  const replay = await http.get(`${url}/v1/snapshots`, { headers });
  assert.equal(replay.status, 401);
  assert.equal(replay.data.error, 'replayed');
  assert.match(replay.data.message, /replayed/);
});

test('a request signed for another receiver or too long ago is refused', async (t) => {
  const { url, receiver, sender, http } = await setUp(t, '1MB');
  const empty = createHash('sha256').digest('hex');
  const elsewhere = signRequest(sender, { method: 'GET', path: '/v1/snapshots', length: 0, sha256: empty, receiverPeerId: generateIdentity().peerId });
  assert.equal((await http.get(`${url}/v1/snapshots`, { headers: elsewhere })).status, 401);
  const stale = signRequest(sender, { method: 'GET', path: '/v1/snapshots', length: 0, sha256: empty, receiverPeerId: receiver.peerId }, Date.now() - 60 * 60_000);
  const response = await http.get(`${url}/v1/snapshots`, { headers: stale });
  assert.equal(response.status, 401);
  assert.equal(response.data.error, 'unauthenticated');
  assert.match(response.data.message, /clock/);
});

test('a pack over quota is refused up front with 507 and nothing is stored', async (t) => {
  const { url, receiver, sender, stored } = await setUp(t, '2KB');
  const response = await uploadPack(url, receiver.peerId, sender, await onePack(Buffer.alloc(5000, 3)));
  assert.equal(response.status, 507);
  assert.equal(response.data.error, 'quota-exceeded');
  assert.match(response.data.message, /does not fit the space granted/);
  assert.deepEqual(stored(), []);
});

test('one sender cannot list or download another sender\'s archive snapshots', async (t) => {
  const { url, receiver, sender } = await setUp(t, '1MB');
  // An archive snapshot as 0.1 stored it for `sender`.
  const archive = Buffer.alloc(100, 4);
  const receipt: Receipt = { version: 1, snapshotId: 'mine', plan: 'nightly', sender: sender.peerId, receiver: receiver.peerId, size: archive.length, sha256: createHash('sha256').update(archive).digest('hex'), storedAt: Date.now() };
  const folder = join(receiver.home, 'storage', sender.peerId);
  mkdirSync(folder);
  writeFileSync(join(folder, 'mine.tar.gz'), archive);
  writeFileSync(join(folder, 'mine.receipt.json'), JSON.stringify(signStatement(await loadOrCreateIdentity(receiver.home), receipt)));
  const own = await (await tlsHttp(sender)).get(`${url}/v1/snapshots/mine`, { headers: signedHeaders(sender, receiver.peerId, 'GET', '/v1/snapshots/mine'), responseType: 'arraybuffer' });
  assert.equal(own.status, 200);
  assert.ok(Buffer.from(own.data as ArrayBuffer).equals(archive));

  const other = generateIdentity();
  const http = await tlsHttp(other);
  const empty = createHash('sha256').digest('hex');
  const list = await http.get(`${url}/v1/snapshots`, { headers: signRequest(other, { method: 'GET', path: '/v1/snapshots', length: 0, sha256: empty, receiverPeerId: receiver.peerId }) });
  assert.deepEqual(list.data, { snapshots: [] });
  const download = await http.get(`${url}/v1/snapshots/mine`, { headers: signRequest(other, { method: 'GET', path: '/v1/snapshots/mine', length: 0, sha256: empty, receiverPeerId: receiver.peerId }) });
  assert.equal(download.status, 404);
  assert.equal(download.data.error, 'not-found');
});

test('other refusals each carry their stable code', async (t) => {
  const { url, receiver, sender, stored, http } = await setUp(t, '1MB');
  const sign = (identity: Identity, method: string, path: string, body: Buffer) =>
    signRequest(identity, { method, path, length: body.length, sha256: createHash('sha256').update(body).digest('hex'), receiverPeerId: receiver.peerId });

  const pack = await onePack(Buffer.alloc(10));
  const stranger = await uploadPack(url, receiver.peerId, generateIdentity(), pack);
  assert.deepEqual([stranger.status, stranger.data.error], [403, 'not-allowed']);
  assert.match(stranger.data.message, /is not allowed to store here; .* "peer-backup allow .* --quota 10GB"/);

  const notPack = Buffer.alloc(1024, 7);
  const garbage = await uploadPack(url, receiver.peerId, sender, notPack);
  assert.deepEqual([garbage.status, garbage.data.error], [400, 'bad-request']);

  const path = `/v2/packs/${createHash('sha256').update(pack).digest('hex')}`;
  const chunked = await http.put(`${url}${path}`, Readable.from([pack]), { headers: sign(sender, 'PUT', path, pack) });
  assert.deepEqual([chunked.status, chunked.data.error], [411, 'length-required']);

  const bigHello = Buffer.alloc(5000, 32);
  const hello = await http.post(`${url}/v1/hello`, bigHello, { headers: { 'content-type': 'application/json', ...sign(sender, 'POST', '/v1/hello', bigHello) } });
  assert.deepEqual([hello.status, hello.data.error], [413, 'too-large']);

  const unsigned = await http.get(`${url}/v1/snapshots`);
  assert.deepEqual([unsigned.status, unsigned.data.error], [401, 'unauthenticated']);
  const nowhere = await http.get(`${url}/v2/anything`);
  assert.deepEqual([nowhere.status, nowhere.data.error], [404, 'not-found']);

  for (const reply of [stranger, garbage, chunked, hello, unsigned, nowhere]) assert.ok(isReceiverErrorCode(reply.data.error), reply.data.error);
  assert.deepEqual(stored(), []);
});

/** Key and certificate PEMs a client could present that no receiver accepts. */
async function unacceptableCertificate(kind: 'ecdsa' | 'signed-by-another-key'): Promise<{ key: string; cert: string }> {
  const { subtle } = webcrypto;
  x509.cryptoProvider.set(webcrypto);
  const validity = { serialNumber: '02', notBefore: new Date('2000-01-01'), notAfter: new Date('2100-01-01') };
  const algorithm = kind === 'ecdsa' ? { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } : { name: 'Ed25519' };
  const keys = (await subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  let cert: x509.X509Certificate;
  if (kind === 'ecdsa') {
    cert = await x509.X509CertificateGenerator.createSelfSigned({ ...validity, name: 'CN=ecdsa', signingAlgorithm: algorithm, keys });
  } else {
    const issuer = (await subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    cert = await x509.X509CertificateGenerator.create({ ...validity, subject: 'CN=mine', issuer: 'CN=another', signingAlgorithm: algorithm, publicKey: keys.publicKey, signingKey: issuer.privateKey });
  }
  const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  return { key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`, cert: cert.toString('pem') };
}

/** Polls the receiver's output until `pattern` shows up; the bound is generous, for a busy machine. */
async function waitForOutput(output: () => string, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!pattern.test(output())) {
    if (Date.now() > deadline) throw new Error(`the receiver never logged ${pattern}:\n${output()}`);
    await sleep(20);
  }
}

test('a client without a certificate, or with one that is not a self-signed Ed25519 certificate, is disconnected before its request is read', { timeout: 60_000 }, async (t) => {
  const { receiver, sender, running } = await setUp(t, '1MB');
  const cases = [
    { name: 'no certificate', credentials: undefined, reason: /presented no certificate/ },
    { name: 'ECDSA', credentials: await unacceptableCertificate('ecdsa'), reason: /presented a certificate with an ec key, not Ed25519/ },
    { name: 'signed by another key', credentials: await unacceptableCertificate('signed-by-another-key'), reason: /presented a certificate not signed by its own key/ },
  ];
  for (const { name, credentials, reason } of cases) {
    const socket = tlsSocket(running.port, credentials);
    // Written at once: TLS sends it right behind the client's handshake, so the receiver has it in hand when it decides.
    socket.write(`GET /v1/snapshots HTTP/1.1\r\nhost: 127.0.0.1\r\n${Object.entries(signedHeaders(sender, receiver.peerId, 'GET', '/v1/snapshots')).map(([header, value]) => `${header}: ${value}`).join('\r\n')}\r\n\r\n`);
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('error', () => undefined);
    // Only the receiver closes it.
    await new Promise((resolve) => socket.on('close', resolve));
    assert.equal(answer, '', name);
    await waitForOutput(running.output, reason);
  }
  const lines = running.output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { event: string; reason?: string });
  assert.deepEqual(lines.filter((line) => line.event === 'connection-refused').length, cases.length);
  assert.deepEqual(lines.filter((line) => line.event === 'request' || line.event === 'request-aborted'), [], 'a refused connection\'s request was read');
});

test('a request signed as one peer over a TLS connection authenticated as another is refused as unauthenticated', { timeout: 60_000 }, async (t) => {
  const { url, receiver, sender } = await setUp(t, '1MB');
  const other = generateIdentity();
  const asOther = await tlsHttp(other);
  const response = await asOther.get(`${url}/v1/snapshots`, { headers: signedHeaders(sender, receiver.peerId, 'GET', '/v1/snapshots') });
  assert.deepEqual([response.status, response.data.error], [401, 'unauthenticated']);
  assert.match(response.data.message, new RegExp(`signed as ${sender.peerId} but its TLS connection is authenticated as ${other.peerId}`));
  // The same request on the sender's own connection goes through.
  const own = await (await tlsHttp(sender)).get(`${url}/v1/snapshots`, { headers: signedHeaders(sender, receiver.peerId, 'GET', '/v1/snapshots') });
  assert.equal(own.status, 200);
});
