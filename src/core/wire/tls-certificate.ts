/**
 * The TLS credentials a peer presents, on both ends of every connection
 * between a sender and a receiver: a self-signed certificate whose key IS
 * the peer's Ed25519 identity key. No CA and no host names are involved:
 * the other side takes the key from the certificate, checks that the
 * certificate is signed by that key, and hashes the key into the peer ID it
 * expected (as Syncthing does with device IDs). TLS 1.3 then proves, on that
 * very connection, that the peer holds the private key (CertificateVerify).
 */
import { createHash, createPrivateKey, type X509Certificate } from 'node:crypto';
import type { Identity } from '../identity/keys';
import { peerIdOf } from '../identity/peer-id';
import { selfSignedCertificatePem } from './self-signed-certificate';

export interface TlsCredentials {
  /** PKCS#8 PEM of the identity's private key. */
  key: string;
  /** PEM of the self-signed certificate of the identity's public key. */
  cert: string;
}

export const tlsMinVersion = 'TLSv1.3';

/** The identity's TLS credentials: the same for the same key, every time. */
export function tlsCredentialsOf(identity: Identity): TlsCredentials {
  return { key: identity.privateKeyPem, cert: selfSignedCertificatePem(createPrivateKey(identity.privateKeyPem), identity.peerId) };
}

export type CertificateCheck =
  | {
      ok: true;
      peerId: string;
      /** The raw 32-byte Ed25519 key. */
      publicKey: Buffer;
    }
  | { ok: false; reason: string };

/** The peer ID a certificate proves: only an Ed25519 key in a certificate signed by that same key counts. */
export function peerIdOfCertificate(certificate: X509Certificate | undefined): CertificateCheck {
  if (!certificate) return { ok: false, reason: 'no certificate' };
  const key = certificate.publicKey;
  if (key.asymmetricKeyType !== 'ed25519') return { ok: false, reason: `a certificate with an ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519` };
  if (!certificate.verify(key)) return { ok: false, reason: 'a certificate not signed by its own key' };
  const publicKey = Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url');
  return { ok: true, peerId: peerIdOf(publicKey), publicKey };
}

/** SHA-256 of the raw key, as colon-separated hex: what people compare when they check a key by eye. */
export function keyFingerprint(publicKey: Buffer): string {
  return createHash('sha256').update(publicKey).digest('hex').toUpperCase().match(/../g)!.join(':');
}
