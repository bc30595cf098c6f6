import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { selfSignedCertificatePem } from '../../src/core/wire/self-signed-certificate';

test('node:crypto (OpenSSL) reads the certificate back as written: name, serial, dates, its own key, signed by that key', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const certificate = new X509Certificate(selfSignedCertificatePem(privateKey, 'ABCDEF-123456'));
  assert.equal(certificate.subject, 'CN=ABCDEF-123456');
  assert.equal(certificate.issuer, 'CN=ABCDEF-123456');
  assert.equal(certificate.serialNumber, '01');
  assert.equal(certificate.validFrom, 'Jan  1 00:00:00 2000 GMT');
  assert.equal(certificate.validTo, 'Dec 31 23:59:59 9999 GMT');
  assert.equal(certificate.ca, false);
  assert.ok(certificate.publicKey.equals(publicKey));
  assert.ok(certificate.verify(publicKey));
  assert.ok(!certificate.verify(generateKeyPairSync('ed25519').publicKey));
});

test('one key makes the same certificate every time', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  assert.equal(selfSignedCertificatePem(privateKey, 'SAME'), selfSignedCertificatePem(privateKey, 'SAME'));
});

test('a key other than Ed25519, or a name a PrintableString cannot hold, is refused', () => {
  const { privateKey: rsaKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  assert.throws(() => selfSignedCertificatePem(rsaKey, 'NAME'), /needs an Ed25519 key, not rsa/);
  const { privateKey } = generateKeyPairSync('ed25519');
  assert.throws(() => selfSignedCertificatePem(privateKey, 'NAME_WITH_UNDERSCORE'), /is not a PrintableString/);
  assert.throws(() => selfSignedCertificatePem(privateKey, ''), /is not a PrintableString/);
});
