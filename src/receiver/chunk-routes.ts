/**
 * The five exchanges of the chunked store (format version 2), over
 * ChunkStore: which chunks are missing, store a pack, commit a manifest,
 * list committed snapshots, read chunks. Same authentication as version 1;
 * only allowed senders may store, while a sender no longer allowed may
 * still list and read what it has here. JSON bodies are small and read
 * whole (maxJsonBodyBytes) and checked against their signed hash; a pack is
 * streamed to disk, never held in memory.
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import {
  chunkIdPattern,
  commitRequestSchema,
  headers,
  maxJsonBodyBytes,
  maxPackBytes,
  missingQuestionSchema,
  readQuestionSchema,
  snapshotIdPattern,
  UserError,
  type AllowedSender,
  type ChunkStore,
  type z,
} from '../core/receive';
import { liftRequestDeadline } from '../http-server';
import { discardRest } from './discard-body';
import { checkSignedBody } from './authentication';
import { refusal } from './refusals';

export interface ChunkRouteOptions {
  chunks: ChunkStore;
  /** The authentication every receiver endpoint runs first (authenticateSender). */
  onRequest: onRequestAsyncHookHandler;
  /** The most snapshots the owner lets a sender keep here; undefined for no ceiling. */
  maxSnapshotsOf: (sender: string) => Promise<number | undefined>;
}

export function registerChunkRoutes(app: FastifyInstance, { chunks, onRequest, maxSnapshotsOf }: ChunkRouteOptions): void {
  const checkJsonLength = async (request: FastifyRequest) => {
    if (Number(request.headers['content-length'] ?? 0) > maxJsonBodyBytes) throw tooLarge();
  };

  void app.register(async (scope) => {
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxJsonBodyBytes }, (_request, body, done) => done(null, body));

    scope.post('/v2/chunks/missing', { onRequest: [onRequest, checkJsonLength] }, async (request) => {
      mustBeAllowed(request);
      const { ids } = jsonBody(request, missingQuestionSchema, 'a question {"ids": [chunk IDs, at most 20,000]}');
      return { missing: await chunks.missing(request.sender, ids) };
    });

    scope.put<{ Params: { id: string } }>('/v2/snapshots/:id', { onRequest: [onRequest, checkJsonLength] }, async (request, reply) => {
      const allowed = mustBeAllowed(request);
      const snapshotId = request.params.id;
      if (!snapshotIdPattern.test(snapshotId)) throw refusal('bad-request', `"${snapshotId.slice(0, 200)}" is not a valid snapshot id (letters, digits, . _ -; at most 128)`);
      const { manifest } = jsonBody(request, commitRequestSchema, 'a commit {"manifest": {"statement", "signature"}}');
      const outcome = await chunks.commit({
        sender: request.sender,
        senderKey: Buffer.from(String(request.headers[headers.key]), 'base64'),
        snapshotId,
        manifest,
        quotaBytes: allowed.quotaBytes,
        maxSnapshots: await maxSnapshotsOf(request.sender),
      });
      if (!outcome.committed) {
        return reply.code(409).send({
          error: 'missing-chunks',
          message: `snapshot ${snapshotId} references ${outcome.missing.length} chunks this receiver does not hold; send them, then commit again`,
          missing: outcome.missing,
        });
      }
      return reply.code(201).send({ receipt: outcome.signed });
    });

    scope.post('/v2/chunks/read', { onRequest: [onRequest, checkJsonLength] }, async (request, reply) => {
      const { ids } = jsonBody(request, readQuestionSchema, 'a read {"ids": [chunk IDs, 1 to 4,096]}');
      const body = await chunks.read(request.sender, ids);
      return reply.header('content-type', 'application/x-tar').send(body);
    });
  });

  void app.register(async (scope) => {
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    scope.put<{ Params: { packId: string } }>('/v2/packs/:packId', { onRequest }, async (request, reply) => storePack(chunks, request, reply));
  });

  app.get('/v2/snapshots', { onRequest }, async (request) => ({ snapshots: await chunks.list(request.sender) }));
}

async function storePack(chunks: ChunkStore, request: FastifyRequest<{ Params: { packId: string } }>, reply: FastifyReply) {
  const allowed = mustBeAllowed(request);
  const { packId } = request.params;
  if (!chunkIdPattern.test(packId)) throw refusal('bad-request', `"${packId.slice(0, 200)}" is not a pack ID (the SHA-256 of the pack, 64 lowercase hex digits)`);
  const length = Number(request.headers['content-length']);
  if (length > maxPackBytes) throw refusal('too-large', `a pack is at most ${maxPackBytes} bytes, this one is ${length}; close packs sooner`);
  if (request.headers[headers.contentSha256] !== packId) throw refusal('bad-request', `the signed SHA-256 of the body is not the pack ID ${packId}; a pack is named by its SHA-256`);
  let accepted = false;
  try {
    const stored = await chunks.storePack({
      sender: request.sender,
      packId,
      length,
      quotaBytes: allowed.quotaBytes,
      body: request.body as Readable,
      onAccepted: () => {
        accepted = true;
        liftRequestDeadline(request);
        if (request.headers.expect?.toLowerCase() === '100-continue') reply.raw.writeContinue();
      },
    });
    return await reply.code(stored.stored ? 201 : 200).send({ packId, chunks: stored.chunks });
  } catch (err) {
    // A sender still writing would see a closed connection, not why: let its accepted body (at most maxPackBytes) finish, then answer.
    if (accepted && err instanceof UserError) await discardRest(request.raw);
    throw err;
  }
}

function mustBeAllowed(request: FastifyRequest): AllowedSender {
  const { sender, allowedSender } = request;
  if (!allowedSender) throw refusal('not-allowed', `peer ${sender} is not allowed to store here; the receiver's owner can allow it with "peer-backup allow ${sender} --quota 10GB"`);
  return allowedSender;
}

/** The request's JSON body, checked against its signed SHA-256 and parsed with `schema`; a 400 saying `expected` otherwise. */
function jsonBody<T extends z.ZodMiniType>(request: FastifyRequest, schema: T, expected: string): z.infer<T> {
  const body = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
  checkSignedBody(request, body);
  let parsed;
  try {
    parsed = schema.safeParse(JSON.parse(body.toString('utf8')));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) throw refusal('bad-request', `the body must be ${expected}${parsed ? `: ${parsed.error.issues[0]?.message}` : ''}`);
  return parsed.data;
}

function tooLarge() {
  return refusal('too-large', `a JSON body of the chunk protocol is at most ${maxJsonBodyBytes} bytes`);
}
