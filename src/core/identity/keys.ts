/**
 * An installation's identity: an Ed25519 key pair (node:crypto) and the peer
 * ID derived from its public key. Where the private key is kept is the front
 * end's business (a 0600 file for the CLI, SecretStorage in the editor).
 */
import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { peerIdOf } from './peer-id';

export interface Identity {
  peerId: string;
  /** The raw 32-byte Ed25519 public key. */
  publicKey: Buffer;
  /** PKCS#8 PEM of the private key, for storing. */
  privateKeyPem: string;
  sign(data: Buffer): Buffer;
}

/** The PKCS#8 DER of an Ed25519 private key up to its 32-byte seed (RFC 8410). */
const ed25519Pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * An Ed25519 private key is 32 random bytes (RFC 8032), so the key is made
 * from them rather than by generateKeyPairSync: in Node 20, a collection that
 * finds the finished key-generation job while the new key is being exported
 * deadlocks the process (the job's destructor waits for the lock the export
 * holds), and `peer-backup id` once hung that way.
 */
export function generateIdentity(): Identity {
  const privateKey = createPrivateKey({ key: Buffer.concat([ed25519Pkcs8Prefix, randomBytes(32)]), format: 'der', type: 'pkcs8' });
  return identityFromKey(privateKey);
}

export function identityFromPem(privateKeyPem: string): Identity {
  return identityFromKey(createPrivateKey(privateKeyPem));
}

/** True when `signature` is `publicKey`'s Ed25519 signature of `data`; false for any malformed input. */
export function verifySignature(publicKey: Buffer, data: Buffer, signature: Buffer): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return verify(null, data, publicKeyFromRaw(publicKey), signature);
  } catch {
    return false;
  }
}

function identityFromKey(privateKey: KeyObject): Identity {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`expected an Ed25519 private key, got ${privateKey.asymmetricKeyType}`);
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const publicKey = Buffer.from(jwk.x!, 'base64url');
  return {
    peerId: peerIdOf(publicKey),
    publicKey,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    sign: (data) => sign(null, data, privateKey),
  };
}

function publicKeyFromRaw(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}
