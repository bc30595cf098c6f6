/**
 * A download's body as the restore reads it: every chunk feeds the stall
 * watchdog, and a body that breaks off or ends short of its Content-Length
 * fails as a UserError that says so, never as a bare "aborted".
 */
import { Transform, type Readable } from 'node:stream';
import type { UserError } from '../errors';
import type { StallWatchdog } from './stall-watchdog';

export function watchedDownload(body: Readable, expectedBytes: number, watchdog: StallWatchdog, brokeOff: (received: number, cause?: unknown) => UserError): Readable {
  let received = 0;
  const watched = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      watchdog.progress();
      callback(null, chunk);
    },
    flush(callback) {
      callback(Number.isFinite(expectedBytes) && received !== expectedBytes ? brokeOff(received) : null);
    },
  });
  const fail = (err: unknown) => watched.destroy(watchdog.signal.aborted ? (watchdog.signal.reason as UserError) : brokeOff(received, err));
  body.on('error', fail);
  watchdog.signal.addEventListener('abort', () => body.destroy(watchdog.signal.reason as UserError), { once: true });
  // However the reader ends (done, failed, gave up), the watchdog stops and the connection is let go.
  watched.on('close', () => {
    watchdog.stop();
    body.destroy();
  });
  body.pipe(watched);
  return watched;
}
