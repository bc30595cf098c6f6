/**
 * The receiver's HTTPS server, a thin adapter over SnapshotStorage and the
 * chunked store (chunk-routes.ts): proves its identity in every TLS
 * handshake, authenticates senders (their certificate and their signed
 * requests), stores their snapshots within quota (streamed to disk, never
 * held in memory), and serves each sender its own snapshots back. See
 * docs/PROTOCOL.md for the wire format.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { defaultReceiverLimits, headers, helloRequestSchema, protocolVersion, refuseClient, snapshotIdPattern, UserError, type ChunkStore, type HelloReply, type ReceiverLimits, type Identity, type SnapshotStorage, type Store, type TlsCredentials } from '../core/receive';
import { createHttpApp, liftRequestDeadline, perAddressGroupLimit, type Logger } from '../http-server';
import { authenticateSender } from './authentication';
import { registerCareRoutes } from './care-routes';
import { registerChunkRoutes } from './chunk-routes';
import { KitFetchLimiter, type KitFetchLimits } from './kit-fetch-limiter';
import { registerKitRoutes } from './kit-routes';
import { discardRest } from './discard-body';
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

/** Plan names as senders make them (letters, digits, spaces, . _ -), capped like snapshot IDs. */
const planPattern = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,127}$/u;

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
    // An upload's body is asked for only once the upload is accepted (signature, allow list, space); a commit's small body is not an upload.
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
      if (createHash('sha256').update(body).digest('hex') !== request.headers[headers.contentSha256]) {
        throw refusal('bad-request', 'the body does not match its signed SHA-256');
      }
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

  // An upload's body is handed on as the request stream, whatever its Content-Type, and streamed to disk.
  void app.register(async (scope) => {
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    scope.put<SnapshotRoute>('/v1/snapshots/:id', { onRequest }, async (request, reply) => {
      const { sender, allowedSender: allowed } = request;
      if (!allowed) throw refusal('not-allowed', `peer ${sender} is not allowed to store here; the receiver's owner can allow it with "peer-backup allow ${sender} --quota 10GB"`);
      const snapshotId = request.params.id;
      if (!snapshotIdPattern.test(snapshotId)) throw refusal('bad-request', `"${snapshotId.slice(0, 200)}" is not a valid snapshot id (letters, digits, . _ -; at most 128)`);
      const plan = (request.query as { plan?: unknown }).plan;
      if (typeof plan !== 'string' || !planPattern.test(plan)) {
        throw refusal('bad-request', 'the upload needs a ?plan= query naming the backup plan (letters, digits, spaces, . _ -; at most 128)');
      }
      try {
        // save() refuses what does not fit (507) before it asks for a byte of the body.
        const stored = await storage.save({
          sender,
          snapshotId,
          plan,
          length: Number(request.headers['content-length']),
          sha256: String(request.headers[headers.contentSha256]),
          quotaBytes: allowed.quotaBytes,
          body: request.body as Readable,
          onAccepted: () => {
            liftRequestDeadline(request);
            if (request.headers.expect?.toLowerCase() === '100-continue') reply.raw.writeContinue();
          },
        });
        return await reply.code(201).send({ receipt: stored.signed });
      } catch (err) {
        // A sender still writing would see a closed connection, not why: let its accepted body finish, then answer.
        if (err instanceof UserError && err.code === 'disk-full') await discardRest(request.raw);
        throw err;
      }
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
