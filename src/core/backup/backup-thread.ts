/**
 * The one thread a backup starts beside its own, for the work that would
 * hold its own thread up: looking at files (file-looker.ts) and sealing
 * chunks (chunk-sealer.ts). One thread rather than one for each: each
 * thread is a JavaScript engine of its own, 7 to 10 MB however little it
 * does, and the backup's own thread, not these two jobs, sets its pace.
 */
import type { ChunkKeys } from '../chunk/chunk-keys';
import { RequestThread, threadFile } from '../util/request-thread';

/** Starts with its first request; the caller closes it once every request has settled. */
export function backupThread(keys: ChunkKeys): RequestThread {
  return new RequestThread({ file: threadFile(__dirname, 'backup-thread-main'), workerData: keys }, 'the thread reading and sealing files');
}
