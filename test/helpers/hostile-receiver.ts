/**
 * A receiver gone bad: it holds the teammate's identity, proves it in the
 * TLS handshake like the real one, then answers listings, downloads and
 * chunk reads with what a test crafts (a receipt promising 16 bytes, a body
 * of 300 MiB). It holds no chunked snapshots (its /v2/snapshots listing is
 * empty), so a restore goes on to the archive listing and download. It does
 * not check the sender's signatures: it is the attacker, not the defence.
 *
 * How it listens and proves who it is lives in serveAsTeammate alone, so a
 * change of transport is made in that one place.
 */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import type { Identity } from '../../src/core/identity/keys';
import type { HelloReply } from '../../src/core/wire/hello';
import type { Receipt } from '../../src/core/wire/receipt';
import { headers, protocolVersion, signStatement } from '../../src/core/wire/signing';
import { tlsCredentialsOf, tlsMinVersion } from '../../src/core/wire/tls-certificate';

export interface HostileAnswers {
  /** The receipts listed for `sender`; they are signed with the teammate's key. */
  receipts(sender: string): Receipt[];
  /** Answers GET /v1/snapshots itself instead, when given. */
  listing?(response: ServerResponse): void;
  /** Answers GET /v1/snapshots/{id}. */
  download(snapshotId: string, response: ServerResponse): void | Promise<void>;
  /** Answers POST /v2/chunks/read for the IDs asked. */
  chunkRead?(ids: string[], response: ServerResponse): void | Promise<void>;
}

/** Starts the hostile receiver on loopback; it is closed when the test ends. */
export async function startHostileReceiver(t: TestContext, identity: Identity, answers: HostileAnswers): Promise<{ port: number }> {
  return serveAsTeammate(t, identity, async (request, response, sender) => {
    const url = request.url ?? '';
    if (request.method === 'GET' && url === '/v1/snapshots' && answers.listing) {
      answers.listing(response);
      return;
    }
    if (request.method === 'GET' && url === '/v1/snapshots') {
      const snapshots = answers.receipts(sender).map((receipt) => signStatement(identity, receipt));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ snapshots }));
      return;
    }
    if (request.method === 'GET' && url === '/v2/snapshots') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ snapshots: [] }));
      return;
    }
    if (request.method === 'POST' && url === '/v2/chunks/read' && answers.chunkRead) {
      const pieces: Buffer[] = [];
      for await (const piece of request) pieces.push(piece as Buffer);
      await answers.chunkRead((JSON.parse(Buffer.concat(pieces).toString('utf8')) as { ids: string[] }).ids, response);
      return;
    }
    const download = /^\/v1\/snapshots\/([^/?]+)$/.exec(url);
    if (request.method === 'GET' && download) {
      await answers.download(decodeURIComponent(download[1]), response);
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not-found', message: 'no such endpoint' }));
  });
}

/**
 * The transport and the identity proof: HTTPS on loopback with the
 * teammate's own certificate, so the sender's handshake check passes. The
 * hello says the sender is allowed; every other request goes to `handle`
 * with the sender's claimed peer ID.
 */
async function serveAsTeammate(
  t: TestContext,
  identity: Identity,
  handle: (request: IncomingMessage, response: ServerResponse, sender: string) => Promise<void>,
): Promise<{ port: number }> {
  const tls = { ...tlsCredentialsOf(identity), minVersion: tlsMinVersion, requestCert: true, rejectUnauthorized: false } as const;
  const server = createServer(tls, (request, response) => {
    const sender = String(request.headers[headers.peer] ?? '');
    if (request.method === 'POST' && request.url === '/v1/hello') {
      request.resume();
      request.on('end', () => {
        const reply: HelloReply = {
          version: protocolVersion,
          allowed: true,
          quotaBytes: 1024 ** 3,
          usedBytes: 0,
        };
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
      });
      return;
    }
    handle(request, response, sender).catch((err: Error) => response.destroy(err));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port };
}

/**
 * Writes up to `total` bytes as fast as the client reads them, calling
 * `onSent` with the running total after each chunk; resolves with what was
 * written once the body is done or the client let go.
 */
export async function streamBytes(response: ServerResponse, total: number, onSent: (sent: number) => void = () => undefined): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  let sent = 0;
  const closed = once(response, 'close').then(() => false);
  while (sent < total && !response.destroyed) {
    const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
    const flowing = response.write(piece);
    sent += piece.length;
    onSent(sent);
    if (!flowing && !(await Promise.race([once(response, 'drain').then(() => true), closed]))) break;
  }
  if (!response.destroyed) response.end();
  return sent;
}
