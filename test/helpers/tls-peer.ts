/**
 * Speaking to a receiver by hand, as a peer would: over TLS 1.3, presenting
 * an identity's certificate, with requests signed as that identity (or, to
 * test the receiver, as another one).
 */
import { createHash } from 'node:crypto';
import { Agent } from 'node:https';
import { connect, type TLSSocket } from 'node:tls';
import axios, { type AxiosInstance } from 'axios';
import type { Identity } from '../../src/core/identity/keys';
import { signRequest } from '../../src/core/wire/signing';
import { tlsCredentialsOf, type TlsCredentials } from '../../src/core/wire/tls-certificate';

/** Client options that present `credentials` and accept any server certificate: these tests probe the receiver, not the other way round. */
function clientOptions(credentials?: TlsCredentials) {
  return { ...credentials, minVersion: 'TLSv1.3' as const, rejectUnauthorized: false };
}

/** An HTTP client whose every connection presents `tlsAs`'s certificate. */
export async function tlsHttp(tlsAs: Identity): Promise<AxiosInstance> {
  const httpsAgent = new Agent({ ...clientOptions(tlsCredentialsOf(tlsAs)), keepAlive: false });
  return axios.create({ validateStatus: () => true, maxRedirects: 0, proxy: false, httpsAgent });
}

/** The headers that sign a request from `sender` to `receiverPeerId` over `body`. */
export function signedHeaders(sender: Identity, receiverPeerId: string, method: string, path: string, body: Buffer = Buffer.alloc(0), now?: number) {
  return signRequest(sender, { method, path, length: body.length, sha256: createHash('sha256').update(body).digest('hex'), receiverPeerId }, now);
}

/** A raw TLS connection to `port` on loopback, presenting `credentials` (none: no certificate at all). */
export function tlsSocket(port: number, credentials?: TlsCredentials): TLSSocket {
  return connect({ host: '127.0.0.1', port, ...clientOptions(credentials) });
}
