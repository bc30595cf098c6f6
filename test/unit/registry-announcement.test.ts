import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateIdentity, type Identity } from '../../src/core/identity/keys';
import { openAnnouncement, signAnnouncement, type OpenedAnnouncement } from '../../src/core/registry/announcement';

const addresses = [{ host: '192.168.1.20', port: 7421 }];

/** Signs `payload` as given, so tests can build announcements the client never would. */
function signRaw(signer: Identity, payload: unknown): { payload: string; signature: string } {
  const bytes = Buffer.from(JSON.stringify(payload));
  return { payload: bytes.toString('base64'), signature: signer.sign(bytes).toString('base64') };
}

function payloadOf(identity: Identity, overrides: object = {}): object {
  return { version: 2, peerId: identity.peerId, publicKey: identity.publicKey.toString('base64'), addresses, time: 1_700_000_000_000, ...overrides };
}

/** The bytes a signed announcement carries, as openAnnouncement hands them on. */
function bytesOf(signed: { payload: string; signature: string }): { payload: Buffer; signature: Buffer } {
  return { payload: Buffer.from(signed.payload, 'base64'), signature: Buffer.from(signed.signature, 'base64') };
}

function refusal(opened: OpenedAnnouncement): { problem: string; message: string } {
  assert.equal(opened.ok, false, 'the announcement was accepted');
  return opened as { problem: string; message: string };
}

test('a signed announcement opens to its peer, key, addresses and time', () => {
  const alice = generateIdentity();
  const opened = openAnnouncement(signAnnouncement(alice, addresses, 42));
  assert.ok(opened.ok);
  assert.equal(opened.announcement.peerId, alice.peerId);
  assert.deepEqual(opened.announcement.publicKey, alice.publicKey);
  assert.deepEqual(opened.announcement.addresses, addresses);
  assert.equal(opened.announcement.time, 42);
  assert.deepEqual(opened.announcement, { ...opened.announcement, ...bytesOf(signAnnouncement(alice, addresses, 42)) });
});

test("X's ID with Y's key, or X's key signed by Y, is unauthentic", () => {
  const x = generateIdentity();
  const y = generateIdentity();
  const wrongKey = refusal(openAnnouncement(signRaw(y, payloadOf(y, { peerId: x.peerId }))));
  assert.equal(wrongKey.problem, 'unauthentic');
  assert.match(wrongKey.message, /is not the hash of the public key/);

  const wrongSigner = refusal(openAnnouncement(signRaw(y, payloadOf(x))));
  assert.equal(wrongSigner.problem, 'unauthentic');
  assert.match(wrongSigner.message, /signature does not match/);
});

test('changing one byte of a signed payload breaks it', () => {
  const alice = generateIdentity();
  const signed = signAnnouncement(alice, addresses, 42);
  const text = Buffer.from(signed.payload, 'base64').toString().replace('"port":7421', '"port":7422');
  const tampered = { ...signed, payload: Buffer.from(text).toString('base64') };
  const refused = refusal(openAnnouncement(tampered));
  assert.equal(refused.problem, 'unauthentic');
});

test('malformed bodies are told apart from forgeries, each with the reason', () => {
  const alice = generateIdentity();
  const cases: [unknown, RegExp][] = [
    ['just a string', /the body must be \{"payload": base64, "signature": base64\}/],
    [{ payload: 'AAAA' }, /signature: Invalid input/],
    [{ payload: '!!!', signature: 'AAAA' }, /payload: Invalid base64/],
    [{ payload: Buffer.from('not json').toString('base64'), signature: 'AAAA' }, /payload is not base64 of a JSON object/],
    [signRaw(alice, payloadOf(alice, { version: 1 })), /unsupported version: this registry speaks version 2/],
    [signRaw(alice, { ...payloadOf(alice), addresses: undefined }), /addresses: Invalid input/],
    [signRaw(alice, payloadOf(alice, { addresses: [{ host: 'example.com', port: 1 }] })), /addresses\.0\.host: must be an IP address, not a name/],
    [signRaw(alice, payloadOf(alice, { addresses: [{ host: '192.168.1.20', port: 0 }] })), /addresses\.0\.port/],
    [signRaw(alice, payloadOf(alice, { addresses: Array(17).fill({ host: '192.168.1.20', port: 1 }) })), /addresses: Too big/],
    [signRaw(alice, payloadOf(alice, { addresses: [] })), /addresses: Too small/],
    [signRaw(alice, payloadOf(alice, { time: 1.5 })), /time: Invalid input: expected int/],
    [signRaw(alice, payloadOf(alice, { peerId: alice.peerId.replace(/^./, (c) => (c === 'A' ? 'C' : 'A')) })), /has a typo/],
    [signRaw(alice, payloadOf(alice, { publicKey: 'AAAA' })), /raw 32-byte Ed25519 key, not 3 bytes/],
    [{ ...signAnnouncement(alice, addresses, 1), signature: 'AAAA' }, /signature must be 64 bytes/],
  ];
  for (const host of ['', '0.0.0.0', '::', '::ffff:0.0.0.0', '0:0:0:0:0:0:0:0']) {
    cases.push([signRaw(alice, payloadOf(alice, { addresses: [{ host, port: 1 }] })), /addresses\.0\.host: must be an explicit IP address: "", 0\.0\.0\.0 and :: are refused .* list the addresses this machine can be reached on/]);
  }
  for (const [body, reason] of cases) {
    const refused = refusal(openAnnouncement(body));
    assert.equal(refused.problem, 'malformed', `${JSON.stringify(body)}: ${refused.message}`);
    assert.match(refused.message, reason);
  }
});
