/**
 * A download's body as the restore reads it, bounded against a teammate that
 * sends more or for longer than its receipt justifies:
 * - every chunk feeds the stall watchdog (no progress for a while: fail);
 * - the body may not pass the receipt's size: the chunk that would is not
 *   passed on, so the spool never holds more than the receipt promised;
 * - the whole download has a deadline (downloadDeadlineMs), however steadily
 *   the bytes trickle in;
 * - a body that breaks off or ends short fails as a UserError that says so,
 *   never as a bare "aborted".
 */
import { Transform, type Readable } from 'node:stream';
import type { UserError } from '../errors';
import type { StallWatchdog } from './stall-watchdog';

/** The floor of every download's deadline: time to connect and start, whatever the size. */
export const downloadDeadlineFloorMs = 60_000;
/** The slowest sustained rate the deadline allows for: 64 KiB/s. */
export const slowestDownloadBytesPerSecond = 64 * 1024;

/** The longest a timer can wait (about 24.8 days); a longer delay would fire at once. */
const longestTimerMs = 2 ** 31 - 1;

/** How long a download of `bytes` may take in all. */
export function downloadDeadlineMs(bytes: number): number {
  return Math.min(downloadDeadlineFloorMs + Math.ceil((bytes / slowestDownloadBytesPerSecond) * 1000), longestTimerMs);
}

/** True when the response declares a Content-Length other than the receipt's size (none declared is allowed: chunked). */
export function declaresOtherLength(contentLength: unknown, expectedBytes: number): boolean {
  if (contentLength === undefined || contentLength === null || contentLength === '') return false;
  return Number(contentLength) !== expectedBytes;
}

export interface DownloadBounds {
  /** The receipt's size: the body must be exactly this long. */
  expectedBytes: number;
  /** Aborts once the whole download has taken too long. */
  deadline: AbortSignal;
}

/** The UserErrors a bounded download fails with; each gets the bytes received so far. */
export interface DownloadFailures {
  /** The body broke off or ended short of the receipt's size. */
  brokeOff(received: number, cause?: unknown): UserError;
  /** The body went on past the receipt's size. */
  overran(received: number): UserError;
  /** The deadline passed. */
  tooSlow(received: number): UserError;
}

export function watchedDownload(body: Readable, bounds: DownloadBounds, watchdog: StallWatchdog, failures: DownloadFailures): Readable {
  let received = 0;
  const watched = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received > bounds.expectedBytes) {
        callback(failures.overran(received));
        return;
      }
      watchdog.progress();
      callback(null, chunk);
    },
    flush(callback) {
      callback(received !== bounds.expectedBytes ? failures.brokeOff(received) : null);
    },
  });
  const fail = (err: unknown) => watched.destroy(watchdog.signal.aborted ? (watchdog.signal.reason as UserError) : failures.brokeOff(received, err));
  body.on('error', fail);
  watchdog.signal.addEventListener('abort', () => body.destroy(watchdog.signal.reason as UserError), { once: true });
  const overdue = () => watched.destroy(failures.tooSlow(received));
  if (bounds.deadline.aborted) queueMicrotask(overdue);
  else bounds.deadline.addEventListener('abort', overdue, { once: true });
  // However the reader ends (done, failed, gave up), the watchdog and deadline stop and the connection is let go.
  watched.on('close', () => {
    watchdog.stop();
    bounds.deadline.removeEventListener('abort', overdue);
    body.destroy();
  });
  body.pipe(watched);
  return watched;
}
