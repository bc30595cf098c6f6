/**
 * The receiver's HTTPS server, a thin adapter over the chunked store
 * (chunk-routes.ts) and SnapshotStorage: proves its identity in every TLS
 * handshake, authenticates senders (their certificate and their signed
 * requests), stores their snapshots within quota (streamed to disk, never
 * held in memory), and serves each sender its own snapshots back, the
 * archives Peer Backup 0.1 stored included. See docs/PROTOCOL.md for the
 * wire format.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { defaultReceiverLimits, headers, helloRequestSchema, protocolVersion, refuseClient, type ChunkStore, type HelloReply, type ReceiverLimits, type Identity, type SnapshotStorage, type Store, type TlsCredentials } from '../core/receive';
import { createHttpApp, perAddressGroupLimit, type Logger } from '../http-server';
import { authenticateSender, checkSignedBody } from './authentication';
import { registerCareRoutes } from './care-routes';
import { registerChunkRoutes } from './chunk-routes';
import { KitFetchLimiter, type KitFetchLimits } from './kit-fetch-limiter';
import { registerKitRoutes } from './kit-routes';
import { describeError, maxHelloBytes, refusal } from './refusals';

export interface ReceiverOptions {
  identity: Identity;
  /** The identity's certificate and key, presented in every handshake (tlsCredentialsOf). */
  tls: TlsCredentials;
  storage: SnapshotStorage;
  /** The chunked store (format version 2), sharing `storage`'s space ledger. */
  chunks: ChunkStore;
  store: Store;
  /** Where request lines go (make one with jsonLogger). */
  log: Logger;
  now?: () => number;
  /** How far a request's signed time may be from this clock. */
  maxClockSkewMs?: number;
  limits?: ReceiverLimits;
  /** How often a recovery kit may be asked for (defaultKitFetchLimits). */
  kitFetchLimits?: KitFetchLimits;
}

/** Routes about one snapshot. */
interface SnapshotRoute {
  Params: { id: string };
}

export function createReceiverServer(options: ReceiverOptions): FastifyInstance {
  const { identity, storage, store } = options;
  const limits = options.limits ?? defaultReceiverLimits;
  const app = createHttpApp({
    name: 'receiver',
    logger: options.log,
    limits: {
      maxHeaderBytes: 16 * 1024,
      headersTimeoutMs: limits.headersTimeoutMs,
      // An accepted upload's body lifts this deadline: on a slow link it may take hours, as long as it keeps moving.
      requestTimeoutMs: limits.requestTimeoutMs,
      idleTimeoutMs: limits.idleTimeoutMs,
      keepAliveTimeoutMs: 5_000,
      bodyLimitBytes: maxHelloBytes,
      connections: { total: limits.maxConnections, perAddress: limits.maxConnectionsPerAddress },
    },
    notFound: (request) => refusal('not-found', `no such endpoint: ${request.method} ${request.url}`),
    describeError,
    // A pack's body is asked for only once the pack is accepted (signature, allow list, space); a commit's small body is not an upload.
    decidesContinue: (request) => request.method === 'PUT' && !request.url?.startsWith('/v2/snapshots/'),
    tls: { ...options.tls, refuseClient },
  });
  app.decorateRequest('sender', '');
  app.decorateRequest('allowedSender', null);
  const onRequest = authenticateSender({ identity, store, storage, now: options.now ?? Date.now, maxClockSkewMs: options.maxClockSkewMs ?? 5 * 60_000 });
  const checkHelloRate = perAddressGroupLimit(limits.hellosPerMinute, 'hellos');
  app.removeAllContentTypeParsers();

  // The hello body is small (bodyLimitBytes) and its exact bytes are hashed, so it is read whole, whatever its Content-Type.
  void app.register(async (scope) => {
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    const limitHellos = async (request: FastifyRequest) => checkHelloRate(request.remote);
    scope.post('/v1/hello', { onRequest: [limitHellos, onRequest] }, async (request): Promise<HelloReply> => {
      const body = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
      checkSignedBody(request, body);
      let parsed;
      try {
        parsed = helloRequestSchema.safeParse(JSON.parse(body.toString('utf8')));
      } catch {
        parsed = undefined;
      }
      if (!parsed?.success) {
        throw refusal('bad-request', `hello needs a JSON body {"size": <bytes to store, optional>}${parsed ? `: ${parsed.error.issues[0]?.message}` : ''}`);
      }
      const allowed = request.allowedSender;
      return {
        version: protocolVersion,
        allowed: allowed !== null,
        quotaBytes: allowed?.quotaBytes ?? null,
        usedBytes: allowed ? storage.usedBy(request.sender) : null,
      };
    });
  });

  registerChunkRoutes(app, { chunks: options.chunks, onRequest, maxSnapshotsOf: (sender) => store.senderSnapshotLimits.get(sender) });
  registerCareRoutes(app, { chunks: options.chunks, onRequest });
  registerKitRoutes(app, { chunks: options.chunks, onRequest, limiter: new KitFetchLimiter(options.kitFetchLimits, options.now) });

  app.get('/v1/snapshots', { onRequest }, async (request) => {
    const snapshots = await storage.list(request.sender);
    return { snapshots: snapshots.map((snapshot) => snapshot.signed) };
  });

  app.get<SnapshotRoute>('/v1/snapshots/:id', { onRequest }, async (request, reply) => {
    const snapshot = await storage.find(request.sender, request.params.id);
    if (!snapshot) throw refusal('not-found', `no snapshot "${request.params.id.slice(0, 200)}" stored here for ${request.sender}; "peer-backup snapshots" lists what is`);
    const archive = await storage.openArchive(snapshot);
    return reply
      .header('content-type', 'application/gzip')
      .header('content-length', snapshot.receipt.size)
      .header(headers.contentSha256, snapshot.receipt.sha256)
      .send(archive);
  });
  return app;
}
