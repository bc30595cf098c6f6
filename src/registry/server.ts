/**
 * The registry server: a thin HTTP adapter over the registry store, with
 * limits on every request (header size, time, body size, rate per address),
 * on new peers (a minute's worth, and the table's size), and one structured
 * log line per request.
 */
import type { FastifyError, FastifyInstance, HTTPMethods } from 'fastify';
import { UserError } from '../core/errors';
import { pathPrefix } from '../core/registry/protocol';
import { createHttpApp, HttpError, listen, perAddressGroupLimit, type Logger } from '../http-server';
import { newPeerGate, type NewPeerLimits } from './new-peer-limits';
import { announceRoute, maxAnnounceBytes, replayMemoryMs } from './routes/announce';
import { connectBack } from './connect-back';
import { lookupRoute } from './routes/lookup';
import { reachabilityRoute } from './routes/reachability';
import type { RegistryStore } from './store/registry-store';
import { registryDefaults } from './defaults';

export { registryDefaults };

export interface RegistryServerOptions extends Partial<NewPeerLimits> {
  store: RegistryStore;
  /** How long an announcement stays valid; peers are told to re-announce after a third of it. */
  ttlSeconds: number;
  /** Requests a minute from one address (IPv6: one /64); 0 turns limiting off. */
  rateLimitPerMinute: number;
  /** How often peers are told to look up their own entry; registryDefaults.checkAfterSeconds unless given. */
  checkAfterSeconds?: number;
  /** registryDefaults.reachabilityChecksPerMinute unless given. */
  reachabilityChecksPerMinute?: number;
  connectBackTimeoutMs?: number;
  /** Where request lines and `purged`/`error` events go (make one with jsonLogger). */
  log: Logger;
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

const announcePath = `${pathPrefix}/announce`;
const lookupPath = `${pathPrefix}/peers/:peerId`;
const reachabilityPath = `${pathPrefix}/reachability`;

/** How often expired entries are deleted; look-ups never return them either way. */
const purgeIntervalMs = 60_000;

const allMethods: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

export function createRegistryServer(options: RegistryServerOptions): FastifyInstance {
  const now = options.now ?? Date.now;
  const app = createHttpApp({
    name: 'registry',
    logger: options.log,
    limits: {
      maxHeaderBytes: 8 * 1024, // larger headers get 431
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 15_000, // a whole request, body included; announcements are tiny
      idleTimeoutMs: 0,
      keepAliveTimeoutMs: 5_000,
      bodyLimitBytes: maxAnnounceBytes,
    },
    notFound: (request) =>
      new HttpError(404, 'no-such-endpoint', `no endpoint ${request.method} ${request.url}: the registry has POST ${announcePath}, GET ${pathPrefix}/peers/PEER-ID and POST ${reachabilityPath}`),
    describeError,
  });

  if (options.rateLimitPerMinute > 0) {
    const limit = perAddressGroupLimit(options.rateLimitPerMinute, 'requests');
    app.addHook('onRequest', (request, _reply, done) => {
      limit(request.remote).then(() => done(), done);
    });
  }
  // Announcements are JSON whatever the Content-Type says, and at most bodyLimitBytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body.toString()));
    } catch {
      done(new HttpError(400, 'not-json', 'the body is not JSON: send a JSON object with Content-Type: application/json'));
    }
  });

  const admit = newPeerGate(
    options.store,
    { maxNewPeersPerMinute: options.maxNewPeersPerMinute ?? registryDefaults.maxNewPeersPerMinute, maxPeers: options.maxPeers ?? registryDefaults.maxPeers },
    () => now() - replayMemoryMs,
    now,
  );
  app.post(
    announcePath,
    announceRoute({
      store: options.store,
      ttlMs: options.ttlSeconds * 1000,
      checkAfterSeconds: options.checkAfterSeconds ?? registryDefaults.checkAfterSeconds,
      admit,
      now,
    }),
  );
  app.get(lookupPath, lookupRoute({ store: options.store, now }));
  const connectBackTimeoutMs = options.connectBackTimeoutMs ?? registryDefaults.connectBackTimeoutMs;
  app.post(
    reachabilityPath,
    reachabilityRoute({
      limit: perAddressGroupLimit(options.reachabilityChecksPerMinute ?? registryDefaults.reachabilityChecksPerMinute, 'reachability checks'),
      connectBack: (address, peerId) => connectBack(address, peerId, connectBackTimeoutMs),
      now,
    }),
  );
  refuseOtherMethods(app, announcePath, ['POST']);
  refuseOtherMethods(app, lookupPath, ['GET']);
  refuseOtherMethods(app, reachabilityPath, ['POST']);
  return app;
}

/** Creates the server, listens, and deletes expired entries in the background until closed. */
export async function startRegistry(options: RegistryOptions): Promise<RunningRegistry> {
  const now = options.now ?? Date.now;
  const app = createRegistryServer(options);
  const { url } = await listen(app, options.host, options.port, (err) => describeListenError(err, options.host, options.port));
  const purge = setInterval(async () => {
    try {
      const deleted = await options.store.deleteExpiredBefore(now() - replayMemoryMs);
      if (deleted > 0) options.log.info({ event: 'purged', entries: deleted });
    } catch (err) {
      options.log.error({ event: 'error', error: (err as Error).stack ?? String(err) });
    }
  }, purgeIntervalMs).unref();
  return {
    url,
    close: async () => {
      clearInterval(purge);
      await app.close();
    },
  };
}

/** A known path asked with the wrong method gets 405 and an Allow header naming the right one. */
function refuseOtherMethods(app: FastifyInstance, url: string, allowed: HTTPMethods[]): void {
  app.route({
    method: allMethods.filter((method) => !allowed.includes(method)),
    url,
    handler: async (request) => {
      throw new HttpError(405, 'method-not-allowed', `${request.method} is not allowed on ${request.url}: use ${allowed.join(' or ')}`, { allow: allowed.join(', ') });
    },
  });
}

/** The registry's codes for what fastify itself refuses. */
function describeError(error: FastifyError): HttpError | undefined {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new HttpError(413, 'body-too-large', `the body is over ${maxAnnounceBytes} bytes; an announcement is far smaller`);
  }
  if (error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return new HttpError(400, 'body-length-mismatch', 'the body is not as long as its Content-Length says');
  const status = error.statusCode ?? 500;
  return status >= 400 && status < 500 ? new HttpError(status, 'bad-http', `the request cannot be used as sent: ${error.message}`) : undefined;
}

function describeListenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  if (err.code === 'EADDRINUSE') return new UserError(`Port ${port} on ${host} is already in use: stop the other registry, or choose another --port.`);
  if (err.code === 'EACCES') return new UserError(`Not allowed to listen on port ${port}: choose a --port above 1023.`);
  if (err.code === 'EADDRNOTAVAIL') return new UserError(`${host} is not an address of this machine: fix --host (0.0.0.0 listens on every interface).`);
  return err;
}
