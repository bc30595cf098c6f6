/**
 * The registry server: node:http with find-my-way routes, limits on every
 * request (header size, time, body size, rate per address), JSON replies and
 * one structured log line per request.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import Router, { type HTTPMethod } from 'find-my-way';
import { UserError } from '../core/errors';
import { plainIp } from './addresses';
import { HttpError, sendJson, type Reply } from './http';
import type { Log } from './log';
import { perAddressLimit } from './rate-limit';
import { announceRoute, replayMemoryMs } from './routes/announce';
import { lookupRoute } from './routes/lookup';
import type { RegistryStore } from './store/registry-store';

export interface RegistryServerOptions {
  store: RegistryStore;
  /** How long an announcement stays valid; peers are told to re-announce after a third of it. */
  ttlSeconds: number;
  /** Requests a minute from one address; 0 turns limiting off. */
  rateLimitPerMinute: number;
  log: Log;
  now?: () => number;
}

export interface RegistryOptions extends RegistryServerOptions {
  host: string;
  port: number;
}

export interface RunningRegistry {
  url: string;
  close(): Promise<void>;
}

/** How often expired entries are deleted; look-ups never return them either way. */
const purgeIntervalMs = 60_000;

export function createRegistryServer(options: RegistryServerOptions): Server {
  const now = options.now ?? Date.now;
  const router = Router({ ignoreTrailingSlash: true });
  const announce = announceRoute({ store: options.store, ttlMs: options.ttlSeconds * 1000, now });
  const lookup = lookupRoute({ store: options.store, now });
  router.on('POST', '/v1/announce', (req) => announce(req));
  router.on('GET', '/v1/peers/:peerId', (_req, _res, params) => lookup(params.peerId ?? ''));
  const limit = options.rateLimitPerMinute > 0 ? perAddressLimit(options.rateLimitPerMinute) : undefined;

  const server = createServer(
    {
      maxHeaderSize: 8 * 1024, // larger headers get 431, through clientError below
      headersTimeout: 10_000,
      requestTimeout: 15_000, // a whole request, body included; announcements are tiny
      keepAliveTimeout: 5_000,
    },
    async (req, res) => {
      const started = performance.now();
      const remote = plainIp(req.socket.remoteAddress ?? '');
      let reply: Reply;
      let failure: string | undefined;
      try {
        await limit?.(remote);
        reply = await route(req, res);
      } catch (err) {
        if (err instanceof HttpError) {
          reply = err.toReply();
          failure = err.message;
        } else {
          reply = { status: 500, body: { error: 'internal', message: 'the registry failed on this request: its log has the details' } };
          failure = (err as Error).stack ?? String(err);
        }
      }
      if (!res.destroyed) sendJson(res, reply);
      options.log({
        event: 'request',
        method: req.method,
        path: req.url?.slice(0, 200),
        status: reply.status,
        ms: Math.round((performance.now() - started) * 100) / 100,
        remote,
        ...(reply.peer && { peer: reply.peer }),
        ...(failure && { error: failure }),
      });
    },
  );
  // Requests node rejects before any handler runs still get a JSON reason.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const [status, code, message] = describeClientError(err);
    if (status === 0 || !socket.writable) {
      socket.destroy();
      return;
    }
    options.log({ event: 'request', status, remote: plainIp((socket as Socket).remoteAddress ?? ''), error: message });
    const text = JSON.stringify({ error: code, message });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
    );
  });
  return server;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<Reply> {
    const url = req.url ?? '/';
    const found = router.find(req.method as HTTPMethod, url);
    if (found) return found.handler(req, res, found.params, found.store, found.searchParams) as Promise<Reply>;
    const allowed = (['GET', 'POST'] as const).filter((method) => router.find(method, url) !== null);
    if (allowed.length) {
      throw new HttpError(405, 'method-not-allowed', `${req.method} is not allowed on ${url}: use ${allowed.join(' or ')}`, { allow: allowed.join(', ') });
    }
    throw new HttpError(404, 'no-such-endpoint', `no endpoint ${req.method} ${url}: the registry has POST /v1/announce and GET /v1/peers/PEER-ID`);
  }
}

/** Creates the server, listens, and deletes expired entries in the background until closed. */
export async function startRegistry(options: RegistryOptions): Promise<RunningRegistry> {
  const now = options.now ?? Date.now;
  const server = createRegistryServer(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(describeListenError(err, options.host, options.port)));
    server.listen(options.port, options.host, () => resolve());
  });
  const purge = setInterval(async () => {
    try {
      const deleted = await options.store.deleteExpiredBefore(now() - replayMemoryMs);
      if (deleted > 0) options.log({ event: 'purged', entries: deleted });
    } catch (err) {
      options.log({ event: 'error', error: (err as Error).stack ?? String(err) });
    }
  }, purgeIntervalMs).unref();
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(purge);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** [status, code, message] for what node's parser refused; status 0 means just drop the connection. */
function describeClientError(err: NodeJS.ErrnoException): [number, string, string] {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'headers-too-large', 'the request headers are over 8 KB: send fewer or shorter headers'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'request-timeout', 'the request did not arrive in time: send it whole, promptly'];
    case 'ECONNRESET':
      return [0, '', ''];
    default:
      return [400, 'bad-http', 'the request is not valid HTTP/1.1'];
  }
}

function describeListenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  if (err.code === 'EADDRINUSE') return new UserError(`Port ${port} on ${host} is already in use: stop the other registry, or choose another --port.`);
  if (err.code === 'EACCES') return new UserError(`Not allowed to listen on port ${port}: choose a --port above 1023.`);
  if (err.code === 'EADDRNOTAVAIL') return new UserError(`${host} is not an address of this machine: fix --host (0.0.0.0 listens on every interface).`);
  return err;
}
