/**
 * The one certificate a peer ever makes: X.509 v3, self-signed with an
 * Ed25519 key (RFC 8410), serial 1, the same common name as issuer and
 * subject, valid from 2000 to the "no expiry" date of RFC 5280, and no
 * extensions. Its shape never varies, so it is written here as DER rather
 * than through a certificate library, which would cost every process of the
 * product some 10 MB and 80 ms to load; node:crypto signs it and reads it
 * back. Ed25519 signatures are deterministic, so one key always makes the
 * same certificate.
 */
import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import { printable } from '../printable';

const tags = { integer: 0x02, bitString: 0x03, oid: 0x06, printableString: 0x13, utcTime: 0x17, generalizedTime: 0x18, sequence: 0x30, set: 0x31, version: 0xa0 };

/** 1.3.101.112, id-Ed25519, as an AlgorithmIdentifier with no parameters. */
const ed25519Algorithm = der(tags.sequence, der(tags.oid, Buffer.from([0x2b, 0x65, 0x70])));
/** 2.5.4.3, id-at-commonName. */
const commonNameOid = der(tags.oid, Buffer.from([0x55, 0x04, 0x03]));
const validity = der(tags.sequence, der(tags.utcTime, Buffer.from('000101000000Z')), der(tags.generalizedTime, Buffer.from('99991231235959Z')));
const printableStringCharacters = /^[A-Za-z0-9 '()+,./:=?-]+$/;

/** The PEM of the certificate of `privateKey`'s own public key, named `commonName` (PrintableString characters only) and signed by that key. */
export function selfSignedCertificatePem(privateKey: KeyObject, commonName: string): string {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`a certificate needs an Ed25519 key, not ${privateKey.asymmetricKeyType}`);
  if (!printableStringCharacters.test(commonName)) throw new Error(`"${printable(commonName)}" is not a PrintableString`);
  const name = der(tags.sequence, der(tags.set, der(tags.sequence, commonNameOid, der(tags.printableString, Buffer.from(commonName)))));
  const publicKeyInfo = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const toBeSigned = der(
    tags.sequence,
    der(tags.version, der(tags.integer, Buffer.from([2]))),
    der(tags.integer, Buffer.from([1])),
    ed25519Algorithm,
    name,
    validity,
    name,
    publicKeyInfo,
  );
  // A BIT STRING starts with the count of unused bits in its last byte: none.
  const signature = der(tags.bitString, Buffer.from([0]), sign(null, toBeSigned, privateKey));
  const certificate = der(tags.sequence, toBeSigned, ed25519Algorithm, signature);
  return `-----BEGIN CERTIFICATE-----\n${certificate.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}

/** One DER element: tag, definite length (short form below 128, else long form), contents. */
function der(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const length = body.length < 0x80 ? Buffer.from([body.length]) : lengthBytes(body.length);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

function lengthBytes(length: number): Buffer {
  const digits: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) digits.unshift(rest % 256);
  return Buffer.from([0x80 | digits.length, ...digits]);
}
