/**
 * A deadline that moves with progress: it fires only when a transfer has
 * made no progress (no byte sent or received) for the whole timeout, so a
 * slow link is never cut off but a frozen teammate cannot hang a run.
 */
import { UserError } from '../errors';
import { secondsFromEnv } from '../util/seconds-from-env';

/** The default stall timeout; PEER_BACKUP_STALL_TIMEOUT (seconds) overrides it. */
export const defaultStallTimeoutMs = 60_000;

export function stallTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return secondsFromEnv(env, 'PEER_BACKUP_STALL_TIMEOUT', defaultStallTimeoutMs);
}

export interface StallWatchdog {
  /** Aborted with the stall's UserError once no progress was made for the timeout. */
  signal: AbortSignal;
  /** Something moved: the timeout starts again. */
  progress(): void;
  /** The transfer is over; the watchdog never fires after this. */
  stop(): void;
}

/** A watchdog for `peerId`'s step ("uploading", "downloading", ...); it starts running at once. */
export function stallWatchdog(timeoutMs: number, peerId: string, step: string): StallWatchdog {
  const controller = new AbortController();
  const fire = () =>
    controller.abort(
      new UserError(`the teammate ${peerId} stopped answering while ${step} (no progress for ${timeoutMs / 1000} s); it will be tried again, or check that your teammate's machine is awake`, {
        code: 'timed-out',
      }),
    );
  let timer = setTimeout(fire, timeoutMs);
  let stopped = false;
  return {
    signal: controller.signal,
    progress() {
      // Late progress (a chunk read after the transfer failed) must not re-arm it.
      if (stopped || controller.signal.aborted) return;
      clearTimeout(timer);
      timer = setTimeout(fire, timeoutMs);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
