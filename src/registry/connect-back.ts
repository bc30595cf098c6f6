/**
 * The registry's side of "can you reach me": connect to one address,
 * complete a TLS handshake as any peer would (with a certificate of the
 * registry's own throwaway key, since receivers ask every client for one),
 * check that the certificate proves the expected peer ID, and hang up
 * before a byte of HTTP.
 */
import { connect } from 'node:tls';
import { generateIdentity } from '../core/identity/keys';
import { peerIdOfCertificate, tlsCredentialsOf, tlsMinVersion, type TlsCredentials } from '../core/wire/tls-certificate';
import type { PeerAddress } from '../core/registry/protocol';

export type ConnectBackResult = { reachable: true } | { reachable: false; reason: string };

/** Credentials made once per process: the key proves nothing, it only satisfies the receiver's handshake. */
let registryCredentials: TlsCredentials | undefined;

export async function connectBack(address: PeerAddress, peerId: string, timeoutMs: number): Promise<ConnectBackResult> {
  const credentials = (registryCredentials ??= tlsCredentialsOf(generateIdentity()));
  return new Promise((resolve) => {
    const socket = connect({
      host: address.host,
      port: address.port,
      key: credentials.key,
      cert: credentials.cert,
      minVersion: tlsMinVersion,
      // The peer ID in the certificate is the check, not a CA.
      rejectUnauthorized: false,
    });
    const done = (result: ConnectBackResult) => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ reachable: false, reason: `no TLS handshake within ${timeoutMs / 1000} s (a firewall or NAT drops the connection)` }), timeoutMs);
    socket.once('error', (err: NodeJS.ErrnoException) => done({ reachable: false, reason: describeSocketError(err) }));
    socket.once('secureConnect', () => {
      const proven = peerIdOfCertificate(socket.getPeerX509Certificate());
      if (!proven.ok) return done({ reachable: false, reason: `something answered there, but it presented ${proven.reason}, not ${peerId}'s certificate` });
      if (proven.peerId !== peerId) return done({ reachable: false, reason: `something answered there, but it is peer ${proven.peerId}, not ${peerId}` });
      done({ reachable: true });
    });
  });
}

function describeSocketError(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') return 'the connection was refused (nothing listens on that port there, or the router does not forward it)';
  if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH') return `no route to that address (${err.code})`;
  if (err.code === 'ECONNRESET') return 'the connection was reset during the TLS handshake (not a Peer Backup receiver?)';
  return err.code ?? err.message;
}
