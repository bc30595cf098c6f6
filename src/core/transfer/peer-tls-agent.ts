/**
 * The HTTPS agent for every request a sender makes to a receiver. Each
 * connection is TLS 1.3 with our identity's certificate, and is handed to
 * the HTTP client only once the receiver's certificate proves the peer ID
 * we meant to reach: a machine that fails the check never gets one byte of
 * HTTP. No CA and no host name is consulted; the peer ID is the trust.
 */
import { Agent, type RequestOptions } from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import { UserError } from '../errors';
import { peerIdOfCertificate, tlsMinVersion, type TlsCredentials } from '../wire/tls-certificate';

/** What one verified handshake showed. */
export interface PeerHandshake {
  peerId: string;
  /** The raw 32-byte Ed25519 key the certificate holds. */
  publicKey: Buffer;
  protocol: string;
  cipher: string;
}

/** A machine that did not prove the peer ID we meant to reach; `keyChanged`: it did, but with another key than the one pinned. */
export class IdentityMismatch extends UserError {
  constructor(
    message: string,
    readonly keyChanged = false,
  ) {
    super(message, { code: 'identity-mismatch' });
  }
}

/** Whom the agent's connections must reach: a peer ID, and the key pinned for it, if any. */
export interface ExpectedPeer {
  peerId: string;
  pinnedKey?: Buffer;
}

const handshakeTimeoutMs = 10_000;

/** Each identity's key and certificate, parsed once per process rather than on every connection; each handshake is still whole. */
const contexts = new WeakMap<TlsCredentials, SecureContext>();

function secureContextOf(credentials: TlsCredentials): SecureContext {
  let context = contexts.get(credentials);
  if (context === undefined) {
    context = createSecureContext({ key: credentials.key, cert: credentials.cert, minVersion: tlsMinVersion });
    contexts.set(credentials, context);
  }
  return context;
}

export class PeerTlsAgent extends Agent {
  /** The latest verified handshake; every connection of this agent proves the same peer. */
  handshake: PeerHandshake | undefined;

  /**
   * `signal`: the request's own. Node gives up on a request without telling
   * its agent, so a handshake still under way must hear it here, or it would
   * keep the process alive until its timeout.
   */
  constructor(
    private readonly credentials: TlsCredentials,
    private readonly expected: ExpectedPeer,
    private readonly signal: AbortSignal,
  ) {
    // A fresh connection, with a full handshake, for every request: no pooled socket or resumed session stands in for the proof.
    super({ keepAlive: false });
  }

  override createConnection(options: RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const host = options.host ?? 'localhost';
    const port = Number(options.port);
    const address = isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
    const socket = connect({
      host,
      port,
      secureContext: secureContextOf(this.credentials),
      // Trust comes from the peer ID below, not from a CA or a host name.
      rejectUnauthorized: false,
    });
    let settled = false;
    const givenUp = () => settle(new Error(`the request to ${address} was given up during the TLS handshake`));
    const settle = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('error', settle);
      this.signal.removeEventListener('abort', givenUp);
      if (err) socket.destroy();
      callback?.(err, socket);
    };
    const timer = setTimeout(() => settle(new Error(`no TLS handshake with ${address} within ${handshakeTimeoutMs / 1000} s`)), handshakeTimeoutMs);
    socket.once('error', settle);
    socket.once('secureConnect', () => settle(this.verify(socket, address)));
    if (this.signal.aborted) givenUp();
    else this.signal.addEventListener('abort', givenUp, { once: true });
    return undefined;
  }

  /** Null when the server proved the expected peer; else the mismatch to fail the request with. */
  private verify(socket: TLSSocket, address: string): IdentityMismatch | null {
    const { peerId, pinnedKey } = this.expected;
    const proven = peerIdOfCertificate(socket.getPeerX509Certificate());
    if (!proven.ok) return new IdentityMismatch(`${address} presented ${proven.reason}, not a certificate of ${peerId}`);
    if (proven.peerId !== peerId) return new IdentityMismatch(`${address} presented the certificate of peer ID ${proven.peerId}, not ${peerId}`);
    if (pinnedKey && !pinnedKey.equals(proven.publicKey)) {
      return new IdentityMismatch(
        `${peerId} now presents a different key than the one pinned at the first backup; nothing was sent. Remove and re-add the destination only if your teammate confirms they reinstalled.`,
        true,
      );
    }
    this.handshake = { peerId: proven.peerId, publicKey: proven.publicKey, protocol: socket.getProtocol() ?? 'unknown', cipher: socket.getCipher().name };
    return null;
  }
}

/** The mismatch an agent failed a request with, however the HTTP client wrapped it. */
export function identityMismatchIn(err: unknown): IdentityMismatch | undefined {
  for (let cause = err; cause; cause = (cause as { cause?: unknown }).cause) {
    if (cause instanceof IdentityMismatch) return cause;
  }
  return undefined;
}
