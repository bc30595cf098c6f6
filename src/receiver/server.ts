/**
 * The receiver's HTTP server: proves its identity, authenticates senders,
 * stores their snapshots within quota, and serves each sender its own
 * snapshots back. See docs/PROTOCOL.md for the wire format.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import findMyWay from 'find-my-way';
import type { Identity } from '../core/identity/keys';
import type { Store } from '../core/store';
import { helloProofBytes, helloRequestSchema, type HelloReply } from '../core/transfer/hello';
import { checkSignedRequest, emptySha256, headers, protocolVersion } from '../core/transfer/signing';
import { SaveError, snapshotIdPattern, type SnapshotStorage } from './snapshot-storage';

export interface ReceiverOptions {
  identity: Identity;
  storage: SnapshotStorage;
  store: Store;
  log: (entry: Record<string, unknown>) => void;
  now?: () => number;
  /** How far a request's signed time may be from this clock. */
  maxClockSkewMs?: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string | undefined>, sender: string) => Promise<void>;

const maxJsonBody = 4 * 1024;
const saveFailureStatus = { quota: 507, 'disk-full': 507, conflict: 409, 'bad-body': 400 } as const;

export function createReceiverServer(options: ReceiverOptions): Server {
  const now = options.now ?? Date.now;
  const maxSkew = options.maxClockSkewMs ?? 5 * 60_000;
  const { identity, storage, store } = options;
  const router = findMyWay({ ignoreTrailingSlash: true });

  const hello: Handler = async (req, res, _params, sender) => {
    const body = await readSmallBody(req);
    if (!body) return fail(res, 413, `a hello body is at most ${maxJsonBody} bytes`);
    if (createHash('sha256').update(body).digest('hex') !== req.headers[headers.contentSha256]) {
      return fail(res, 400, 'the body does not match its signed SHA-256');
    }
    let parsed;
    try {
      parsed = helloRequestSchema.safeParse(JSON.parse(body.toString('utf8')));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) return fail(res, 400, `hello needs a JSON body {"challenge": "<32 random bytes, base64>"}${parsed ? `: ${parsed.error.issues[0]?.message}` : ''}`);
    const allowed = await store.allowedSenders.find(sender);
    const reply: HelloReply = {
      version: protocolVersion,
      peerId: identity.peerId,
      publicKey: identity.publicKey.toString('base64'),
      proof: identity.sign(helloProofBytes(parsed.data.challenge, identity.peerId, sender)).toString('base64'),
      allowed: allowed !== undefined,
      quotaBytes: allowed?.quotaBytes ?? null,
      usedBytes: allowed ? storage.usedBy(sender) : null,
    };
    sendJson(res, 200, reply);
  };

  const upload: Handler = async (req, res, params, sender) => {
    const allowed = await store.allowedSenders.find(sender);
    if (!allowed) return fail(res, 403, `peer ${sender} is not allowed to store here; the receiver's owner can allow it with "peer-backup allow ${sender} --quota 10GB"`);
    const snapshotId = params.id ?? '';
    if (!snapshotIdPattern.test(snapshotId)) return fail(res, 400, `"${snapshotId}" is not a valid snapshot id (letters, digits, . _ -; at most 128)`);
    const plan = new URL(req.url ?? '/', 'http://receiver').searchParams.get('plan');
    if (!plan) return fail(res, 400, 'the upload needs a ?plan= query naming the backup plan');
    const length = Number(req.headers['content-length']);
    // save() refuses what does not fit (507) before it reads a byte of the body.
    try {
      const stored = await storage.save({
        sender,
        snapshotId,
        plan,
        length,
        sha256: String(req.headers[headers.contentSha256]),
        quotaBytes: allowed.quotaBytes,
        body: req,
      });
      sendJson(res, 201, { receipt: stored.signed });
    } catch (err) {
      if (err instanceof SaveError) return fail(res, saveFailureStatus[err.failure.kind], err.message);
      throw err;
    }
  };

  const list: Handler = async (_req, res, _params, sender) => {
    const snapshots = await storage.list(sender);
    sendJson(res, 200, { snapshots: snapshots.map((snapshot) => snapshot.signed) });
  };

  const download: Handler = async (_req, res, params, sender) => {
    const snapshot = await storage.find(sender, params.id ?? '');
    if (!snapshot) return fail(res, 404, `no snapshot "${params.id}" stored here for ${sender}`);
    res.writeHead(200, {
      'content-type': 'application/gzip',
      'content-length': snapshot.receipt.size,
      [headers.contentSha256]: snapshot.receipt.sha256,
    });
    storage.openArchive(sender, snapshot.receipt.snapshotId).pipe(res);
  };

  const authenticated = (handler: Handler) => async (req: IncomingMessage, res: ServerResponse, params: Record<string, string | undefined>) => {
    const declared = req.headers['content-length'];
    if (req.method === 'PUT' && declared === undefined) return fail(res, 411, 'uploads need a Content-Length header');
    const length = declared === undefined ? 0 : Number(declared);
    const check = checkSignedRequest({ method: req.method ?? '', path: req.url ?? '', length, headers: req.headers }, identity.peerId);
    if (!check.ok) return fail(res, 401, check.reason);
    res.locals = { sender: check.senderPeerId };
    const skew = Math.abs(now() - check.facts.time);
    if (skew > maxSkew) {
      return fail(res, 401, `the request's time is ${Math.round(skew / 1000)} s away from the receiver's clock (limit ${maxSkew / 1000} s); check both machines' clocks`);
    }
    if (req.method !== 'PUT' && req.method !== 'POST' && check.facts.sha256 !== emptySha256) {
      return fail(res, 400, 'a request without a body must sign the SHA-256 of the empty string');
    }
    if (!(await store.seenNonces.claim(check.facts.nonce, 2 * maxSkew))) return fail(res, 401, 'this request was already received once (replayed nonce); it is refused');
    await handler(req, res, params, check.senderPeerId);
  };

  router.on('POST', '/v1/hello', authenticated(hello));
  router.on('PUT', '/v1/snapshots/:id', authenticated(upload));
  router.on('GET', '/v1/snapshots', authenticated(list));
  router.on('GET', '/v1/snapshots/:id', authenticated(download));

  const server = createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
    const started = now();
    res.on('finish', () =>
      options.log({ at: new Date().toISOString(), method: req.method, path: req.url, status: res.statusCode, ms: now() - started, sender: res.locals?.sender }),
    );
    const route = router.find(req.method as 'GET', (req.url ?? '/').split('?')[0]);
    if (!route) return fail(res, 404, `no such endpoint: ${req.method} ${req.url}`);
    (route.handler as unknown as (req: IncomingMessage, res: ServerResponse, params: Record<string, string | undefined>) => Promise<void>)(req, res, route.params).catch(
      (err: Error) => {
        options.log({ at: new Date().toISOString(), level: 'error', method: req.method, path: req.url, error: err.stack ?? String(err) });
        if (!res.headersSent) fail(res, 500, 'the receiver failed to handle this request; see its log');
        else res.destroy();
      },
    );
  });
  // Uploads on a slow link can take hours, so no overall request deadline;
  // a connection that sends nothing for two minutes is dropped instead.
  server.requestTimeout = 0;
  server.headersTimeout = 30_000;
  server.setTimeout(120_000, (socket) => socket.destroy());
  return server;
}

declare module 'node:http' {
  interface ServerResponse {
    locals?: { sender?: string };
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Stable codes for programs, as the registry gives; the message is for people. */
const errorCodes: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthenticated',
  403: 'not-allowed',
  404: 'not-found',
  409: 'conflict',
  411: 'length-required',
  413: 'too-large',
  500: 'internal',
  507: 'insufficient-storage',
};

/** Answers with a JSON error. An unread request body is discarded, not stored. */
function fail(res: ServerResponse, status: number, message: string): void {
  res.req.resume();
  if (status >= 400 && res.req.method === 'PUT') res.setHeader('connection', 'close');
  sendJson(res, status, { error: errorCodes[status] ?? 'error', message });
}

/** The whole body, or undefined once it grows past the limit. */
async function readSmallBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxJsonBody) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
