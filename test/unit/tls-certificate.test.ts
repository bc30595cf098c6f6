import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { generateIdentity, identityFromPem } from '../../src/core/identity/keys';
import { keyFingerprint, peerIdOfCertificate, tlsCredentialsOf } from '../../src/core/wire/tls-certificate';

test('an identity\'s certificate holds its own key and proves its peer ID; the key PEM is the identity\'s', () => {
  const identity = generateIdentity();
  const credentials = tlsCredentialsOf(identity);
  assert.equal(credentials.key, identity.privateKeyPem);
  const proven = peerIdOfCertificate(new X509Certificate(credentials.cert));
  assert.ok(proven.ok);
  assert.equal(proven.peerId, identity.peerId);
  assert.deepEqual(proven.publicKey, identity.publicKey);
  // The same key makes the same certificate, whichever object carries it.
  assert.deepEqual(tlsCredentialsOf(identityFromPem(identity.privateKeyPem)), credentials);
});

test('no certificate proves nobody; another identity\'s proves another peer ID', () => {
  assert.deepEqual(peerIdOfCertificate(undefined), { ok: false, reason: 'no certificate' });
  const [one, other] = [generateIdentity(), generateIdentity()];
  const proven = peerIdOfCertificate(new X509Certificate(tlsCredentialsOf(other).cert));
  assert.ok(proven.ok);
  assert.notEqual(proven.peerId, one.peerId);
});

test('a key fingerprint is the SHA-256 of the raw key as colon-separated hex', () => {
  const key = generateIdentity().publicKey;
  const fingerprint = keyFingerprint(key);
  assert.match(fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.equal(fingerprint.replaceAll(':', '').toLowerCase(), createHash('sha256').update(key).digest('hex'));
});
