/**
 * Looking after what a sender keeps here: forgetting a snapshot (its file,
 * then the packs only it referenced) and scrubbing (every pack re-hashed,
 * each snapshot told the damaged packs it depends on). Both are signed like
 * every sender request and touch only the sender's own store; a sender no
 * longer allowed may still forget and check what it has here.
 */
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import { snapshotIdPattern, type ChunkStore } from '../core/receive';
import { refusal } from './refusals';

export interface CareRouteOptions {
  chunks: ChunkStore;
  onRequest: onRequestAsyncHookHandler;
}

export function registerCareRoutes(app: FastifyInstance, { chunks, onRequest }: CareRouteOptions): void {
  app.delete<{ Params: { id: string } }>('/v2/snapshots/:id', { onRequest }, async (request) => {
    const snapshotId = request.params.id;
    if (!snapshotIdPattern.test(snapshotId)) throw refusal('bad-request', `"${snapshotId.slice(0, 200)}" is not a valid snapshot id (letters, digits, . _ -; at most 128)`);
    return chunks.deleteSnapshot(request.sender, snapshotId);
  });

  app.get('/v2/scrub', { onRequest }, async (request) => chunks.scrub(request.sender));
}
