/**
 * Requests crafted by hand against a real receiver process: a tampered body,
 * a replayed request and an upload over quota are each refused, and nothing
 * is stored.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import axios from 'axios';
import { generateIdentity, type Identity } from '../../src/core/identity/keys';
import { isReceiverErrorCode } from '../../src/core/wire/receiver-error-codes';
import { signRequest } from '../../src/core/wire/signing';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';

const http = axios.create({ validateStatus: () => true, maxRedirects: 0 });

function upload(url: string, receiverPeerId: string, sender: Identity, id: string, body: Buffer, signedBody: Buffer = body) {
  const path = `/v1/snapshots/${id}?plan=nightly`;
  const sha256 = createHash('sha256').update(signedBody).digest('hex');
  return http.put(`${url}${path}`, body, {
    headers: { 'content-type': 'application/gzip', ...signRequest(sender, { method: 'PUT', path, length: body.length, sha256, receiverPeerId }) },
  });
}

async function setUp(t: Parameters<typeof startRegistry>[0], quota: string) {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = generateIdentity();
  await allow(receiver.home, sender.peerId, quota);
  const running = await startReceiver(t, receiver.home, registry.url);
  // What is stored; the running receiver's lock file is not.
  const stored = () =>
    readdirSync(join(receiver.home, 'storage'), { recursive: true, encoding: 'utf8' })
      .filter((name) => name !== '.lock')
      .sort();
  return { url: `http://127.0.0.1:${running.port}`, receiver, sender, stored };
}

test('a body that differs from the signed hash is refused and nothing is stored', async (t) => {
  const { url, receiver, sender, stored } = await setUp(t, '1MB');
  const signed = Buffer.alloc(1000, 1);
  const tampered = Buffer.alloc(1000, 2);
  const response = await upload(url, receiver.peerId, sender, 'snap-1', tampered, signed);
  assert.equal(response.status, 400);
  assert.equal(response.data.error, 'bad-request');
  assert.match(response.data.message, /SHA-256/);
  assert.deepEqual(stored(), ['.tmp']);

  const honest = await upload(url, receiver.peerId, sender, 'snap-1', signed);
  assert.equal(honest.status, 201, JSON.stringify(honest.data));
});

test('a replayed request is refused even though its signature is valid', async (t) => {
  const { url, receiver, sender } = await setUp(t, '1MB');
  const headers = signRequest(sender, { method: 'GET', path: '/v1/snapshots', length: 0, sha256: createHash('sha256').digest('hex'), receiverPeerId: receiver.peerId });
  assert.equal((await http.get(`${url}/v1/snapshots`, { headers })).status, 200);
  const replay = await http.get(`${url}/v1/snapshots`, { headers });
  assert.equal(replay.status, 401);
  assert.equal(replay.data.error, 'replayed');
  assert.match(replay.data.message, /replayed/);
});

test('a request signed for another receiver or too long ago is refused', async (t) => {
  const { url, receiver, sender } = await setUp(t, '1MB');
  const empty = createHash('sha256').digest('hex');
  const elsewhere = signRequest(sender, { method: 'GET', path: '/v1/snapshots', length: 0, sha256: empty, receiverPeerId: generateIdentity().peerId });
  assert.equal((await http.get(`${url}/v1/snapshots`, { headers: elsewhere })).status, 401);
  const stale = signRequest(sender, { method: 'GET', path: '/v1/snapshots', length: 0, sha256: empty, receiverPeerId: receiver.peerId }, Date.now() - 60 * 60_000);
  const response = await http.get(`${url}/v1/snapshots`, { headers: stale });
  assert.equal(response.status, 401);
  assert.equal(response.data.error, 'unauthenticated');
  assert.match(response.data.message, /clock/);
});

test('an upload over quota is refused up front with 507 and nothing is stored', async (t) => {
  const { url, receiver, sender, stored } = await setUp(t, '2KB');
  const response = await upload(url, receiver.peerId, sender, 'too-big', Buffer.alloc(5000, 3));
  assert.equal(response.status, 507);
  assert.equal(response.data.error, 'quota-exceeded');
  assert.match(response.data.message, /does not fit the space granted/);
  assert.deepEqual(stored(), ['.tmp']);
});

test('one sender cannot list or download another sender\'s snapshots', async (t) => {
  const { url, receiver, sender } = await setUp(t, '1MB');
  assert.equal((await upload(url, receiver.peerId, sender, 'mine', Buffer.alloc(100, 4))).status, 201);
  const other = generateIdentity();
  const empty = createHash('sha256').digest('hex');
  const list = await http.get(`${url}/v1/snapshots`, { headers: signRequest(other, { method: 'GET', path: '/v1/snapshots', length: 0, sha256: empty, receiverPeerId: receiver.peerId }) });
  assert.deepEqual(list.data, { snapshots: [] });
  const download = await http.get(`${url}/v1/snapshots/mine`, { headers: signRequest(other, { method: 'GET', path: '/v1/snapshots/mine', length: 0, sha256: empty, receiverPeerId: receiver.peerId }) });
  assert.equal(download.status, 404);
  assert.equal(download.data.error, 'not-found');
});

test('other refusals each carry their stable code', async (t) => {
  const { url, receiver, sender, stored } = await setUp(t, '1MB');
  const sign = (identity: Identity, method: string, path: string, body: Buffer) =>
    signRequest(identity, { method, path, length: body.length, sha256: createHash('sha256').update(body).digest('hex'), receiverPeerId: receiver.peerId });

  const stranger = await upload(url, receiver.peerId, generateIdentity(), 'theirs', Buffer.alloc(10));
  assert.deepEqual([stranger.status, stranger.data.error], [403, 'not-allowed']);
  assert.match(stranger.data.message, /is not allowed to store here; .* "peer-backup allow .* --quota 10GB"/);

  assert.equal((await upload(url, receiver.peerId, sender, 'taken', Buffer.alloc(10, 1))).status, 201);
  const taken = await upload(url, receiver.peerId, sender, 'taken', Buffer.alloc(10, 2));
  assert.deepEqual([taken.status, taken.data.error], [409, 'conflict']);

  const path = '/v1/snapshots/streamed?plan=nightly';
  const body = Buffer.alloc(10);
  const chunked = await http.put(`${url}${path}`, Readable.from([body]), { headers: sign(sender, 'PUT', path, body) });
  assert.deepEqual([chunked.status, chunked.data.error], [411, 'length-required']);

  const bigHello = Buffer.alloc(5000, 32);
  const hello = await http.post(`${url}/v1/hello`, bigHello, { headers: { 'content-type': 'application/json', ...sign(sender, 'POST', '/v1/hello', bigHello) } });
  assert.deepEqual([hello.status, hello.data.error], [413, 'too-large']);

  const unsigned = await http.get(`${url}/v1/snapshots`);
  assert.deepEqual([unsigned.status, unsigned.data.error], [401, 'unauthenticated']);
  const nowhere = await http.get(`${url}/v2/anything`);
  assert.deepEqual([nowhere.status, nowhere.data.error], [404, 'not-found']);

  for (const reply of [stranger, taken, chunked, hello, unsigned, nowhere]) assert.ok(isReceiverErrorCode(reply.data.error), reply.data.error);
  assert.deepEqual(stored(), ['.tmp', sender.peerId, `${sender.peerId}/taken.receipt.json`, `${sender.peerId}/taken.tar.gz`]);
});
