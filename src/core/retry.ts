/**
 * The one retry loop. Which pauses to use is chosen per use case by the
 * application layer (a run someone is watching retries for about a minute;
 * a scheduled run retries until its next slot); the loop itself only waits
 * and asks again.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** Pauses between attempts. Without `until`, no attempt follows the last pause's; with it, the last pause repeats. */
  delaysMs: readonly number[];
  /** No attempt starts at or after this time (ms on `now`'s clock). */
  until?: number;
}

/** One attempt's result: a value, or what it threw. */
export type Attempted<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface RetryOptions<T> {
  policy: RetryPolicy;
  /** Whether this result is worth another attempt (for example: the teammate was offline). */
  shouldRetry: (result: Attempted<T>) => boolean;
  now?: () => number;
  /** Aborting ends the waiting; the last result is returned (or thrown). */
  signal?: AbortSignal;
  /** After each attempt: `retryInMs` when another follows, else undefined. */
  onAttempted?: (result: Attempted<T>, attemptNumber: number, retryInMs: number | undefined) => void;
}

export const noRetries: RetryPolicy = { delaysMs: [] };

/** Calls `attempt` until a result is not worth retrying or the policy is spent; returns (or throws) the last result. */
export async function retrying<T>(attempt: (attemptNumber: number) => Promise<T>, options: RetryOptions<T>): Promise<T> {
  const { policy } = options;
  const now = options.now ?? Date.now;
  for (let attemptNumber = 1; ; attemptNumber++) {
    const result = await attempt(attemptNumber).then(
      (value): Attempted<T> => ({ ok: true, value }),
      (error: unknown): Attempted<T> => ({ ok: false, error }),
    );
    const delay = nextDelay(policy, attemptNumber);
    const again =
      delay !== undefined && options.shouldRetry(result) && !options.signal?.aborted && (policy.until === undefined || now() + delay < policy.until);
    options.onAttempted?.(result, attemptNumber, again ? delay : undefined);
    if (again) {
      try {
        await sleep(delay, undefined, { signal: options.signal });
        continue;
      } catch {
        // aborted while waiting: the last result stands
      }
    }
    if (result.ok) return result.value;
    throw result.error;
  }
}

function nextDelay(policy: RetryPolicy, attemptNumber: number): number | undefined {
  if (attemptNumber <= policy.delaysMs.length) return policy.delaysMs[attemptNumber - 1];
  return policy.until === undefined ? undefined : policy.delaysMs.at(-1);
}
