/**
 * The thread beside a backup's own (backup-thread.ts starts it): it looks at
 * the backup's files and seals its chunks, one request after another. A
 * file of its own, built beside the bundles, since it runs chunk-seal.ts
 * itself rather than a copy. The chunk keys come once, as workerData.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ChunkKeys } from '../chunk/chunk-keys';
import { answerSeal, type SealRequest } from '../chunk/seal-request';
import { answerLook, type LookRequest } from './file-look';

const keys = workerData as ChunkKeys;
const port = parentPort!;

port.on('message', (request: LookRequest | SealRequest) => {
  const { reply, transfer } = request.kind === 'look' ? answerLook(request) : answerSeal(keys, request);
  port.postMessage(reply, transfer);
});
