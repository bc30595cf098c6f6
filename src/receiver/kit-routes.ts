/**
 * The recovery kit's two routes (core/recovery/kit-protocol.ts): an
 * allowed sender leaves its sealed kit here (signed like every sender
 * request), and a machine that lost everything but the recovery code
 * fetches it by lookup ID and verifier, over TLS but without a signature,
 * within the limits of KitFetchLimiter.
 */
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { kitOpenRequestSchema, kitUploadSchema, maxKitBodyBytes, type ChunkStore } from '../core/receive';
import { noteForLog } from '../http-server';
import type { KitFetchLimiter } from './kit-fetch-limiter';
import { checkSignedBody } from './authentication';
import { refusal } from './refusals';

export interface KitRouteOptions {
  chunks: ChunkStore;
  onRequest: onRequestAsyncHookHandler;
  limiter: KitFetchLimiter;
}

const noKit = 'no recovery kit here matches this code: check the code, and that this teammate is the one you backed up to';

export function registerKitRoutes(app: FastifyInstance, { chunks, onRequest, limiter }: KitRouteOptions): void {
  void app.register(async (scope) => {
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxKitBodyBytes }, (_request, body, done) => done(null, body));

    scope.put('/v2/recovery-kit', { onRequest }, async (request, reply) => {
      if (!request.allowedSender) throw refusal('not-allowed', `peer ${request.sender} is not allowed to store here, so it cannot leave a recovery kit either`);
      const body = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
      checkSignedBody(request, body);
      const upload = parse(body, kitUploadSchema.safeParse.bind(kitUploadSchema), 'a recovery kit {"lookupId", "verifierHash", "kit"}');
      const outcome = await chunks.storeKit(request.sender, upload);
      return reply.code(outcome === 'stored' ? 201 : 200).send({ lookupId: upload.lookupId });
    });

    scope.post('/v2/recovery-kit/open', async (request: FastifyRequest) => {
      const question = parse((request.body as Buffer | undefined) ?? Buffer.alloc(0), kitOpenRequestSchema.safeParse.bind(kitOpenRequestSchema), 'a question {"lookupId", "verifier"}');
      limiter.admit(request.remote, question.lookupId);
      const kit = chunks.findKit(question.lookupId, question.verifier);
      noteForLog(request, { recoveryKit: kit ? 'handed-out' : 'wrong-code' });
      if (!kit) {
        limiter.noteWrong(request.remote);
        throw refusal('not-found', noKit);
      }
      return { kit };
    });
  });
}

function parse<T>(body: Buffer, safeParse: (value: unknown) => { success: true; data: T } | { success: false }, expected: string): T {
  let parsed;
  try {
    parsed = safeParse(JSON.parse(body.toString('utf8')));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) throw refusal('bad-request', `the body must be ${expected}`);
  return parsed.data;
}
