/**
 * The peer a client's TLS certificate proves, read once per connection: the
 * connection gate and every request's authentication ask the same question.
 */
import type { TLSSocket } from 'node:tls';
import { peerIdOfCertificate, type CertificateCheck } from '../wire/tls-certificate';

const checked = new WeakMap<TLSSocket, CertificateCheck>();

export function clientCertificate(socket: TLSSocket): CertificateCheck {
  let check = checked.get(socket);
  if (!check) {
    check = peerIdOfCertificate(socket.getPeerX509Certificate());
    checked.set(socket, check);
  }
  return check;
}

/** Why a client is turned away at the handshake; undefined for one whose certificate proves a peer ID. */
export function refuseClient(socket: TLSSocket): string | undefined {
  const check = clientCertificate(socket);
  return check.ok ? undefined : `the client presented ${check.reason}: every client needs the self-signed Ed25519 certificate of its peer key`;
}
