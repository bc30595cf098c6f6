import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { test } from 'node:test';
import { generateIdentity, identityFromPem, verifySignature } from '../../src/core/identity/keys';
import { parsePeerId, peerIdOf } from '../../src/core/identity/peer-id';

test('a peer ID is six groups of six, derived from the public key alone', () => {
  const identity = generateIdentity();
  assert.match(identity.peerId, /^([A-Z2-7]{6}-){5}[A-Z2-7]{6}$/);
  assert.equal(peerIdOf(identity.publicKey), identity.peerId);
  assert.equal(identityFromPem(identity.privateKeyPem).peerId, identity.peerId);
  assert.notEqual(generateIdentity().peerId, identity.peerId);
});

test('IDs are accepted as people copy them: any case, spaces or no dashes, 0/1/8 for O/I/B', () => {
  const { peerId } = generateIdentity();
  assert.equal(parsePeerId(peerId.toLowerCase()), peerId);
  assert.equal(parsePeerId(` ${peerId.replace(/-/g, ' ')} `), peerId);
  assert.equal(parsePeerId(peerId.replace(/-/g, '').replace(/O/g, '0').replace(/I/g, '1').replace(/B/g, '8')), peerId);
});

test('every single-character typo is caught by the check characters', () => {
  const { peerId } = generateIdentity();
  const compact = peerId.replace(/-/g, '');
  for (let at = 0; at < compact.length; at++) {
    const wrong = compact[at] === 'A' ? 'C' : 'A';
    const typo = compact.slice(0, at) + wrong + compact.slice(at + 1);
    assert.throws(() => parsePeerId(typo), /has a typo|not a peer ID/, `typo at ${at} was accepted`);
  }
});

test('wrong length and stray characters get distinct, actionable messages', () => {
  assert.throws(() => parsePeerId('ABC-DEF'), /"ABC-DEF" is not a peer ID: a peer ID has 36/);
  assert.throws(() => parsePeerId(''), /"\(empty\)" is not a peer ID/);
  assert.throws(() => parsePeerId('A'.repeat(35) + '9'), /"9" never appears in one/);
});

test('signatures verify only for the signed bytes and the signing key', () => {
  const alice = generateIdentity();
  const bob = generateIdentity();
  const data = Buffer.from('announce 1');
  const signature = alice.sign(data);
  assert.equal(verifySignature(alice.publicKey, data, signature), true);
  assert.equal(verifySignature(bob.publicKey, data, signature), false);
  assert.equal(verifySignature(alice.publicKey, Buffer.from('announce 2'), signature), false);
  assert.equal(verifySignature(alice.publicKey, data, signature.subarray(1)), false);
});

test("a new identity's key is a standard PKCS#8 Ed25519 key, whose public key in SPKI DER is the identity's", () => {
  const identity = generateIdentity();
  const key = createPrivateKey(identity.privateKeyPem);
  assert.equal(key.asymmetricKeyType, 'ed25519');
  assert.ok(createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32).equals(identity.publicKey));
});
