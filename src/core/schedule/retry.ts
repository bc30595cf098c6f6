/**
 * Retrying a scheduled run whose peer was away: each attempt is a run of its
 * own (the runner records it), with growing pauses between attempts, until
 * the next scheduled slot, which takes over from there.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface RunPlanOutcome {
  status: 'succeeded' | 'failed' | 'cancelled';
  error?: string;
  /** A failure that may pass on its own (peer offline, registry down); only these are retried. */
  retryable?: boolean;
}

/** Pauses between attempts; the last one repeats. */
export const defaultRetryDelaysMs: readonly number[] = [1, 2, 5, 10, 30].map((minutes) => minutes * 60_000);

export interface RetryPolicy {
  delaysMs: readonly number[];
  /** No attempt starts at or after this time (ms): the next slot's. */
  until: number;
  now: () => number;
  /** Aborting ends the waiting (scheduler stopped or lost its lease). */
  signal: AbortSignal;
  /** After each attempt: `retryInMs` when another attempt follows, else undefined. */
  onAttempted?: (outcome: RunPlanOutcome, attemptNumber: number, retryInMs: number | undefined) => void;
}

/** Calls `attempt` until it does not fail retryably or time is up; returns the last outcome. */
export async function runWithRetries(attempt: (attemptNumber: number) => Promise<RunPlanOutcome>, policy: RetryPolicy): Promise<RunPlanOutcome> {
  for (let attemptNumber = 1; ; attemptNumber++) {
    const outcome = await attempt(attemptNumber);
    const delay = policy.delaysMs[Math.min(attemptNumber - 1, policy.delaysMs.length - 1)];
    const retry = outcome.status === 'failed' && outcome.retryable === true && policy.now() + delay < policy.until && !policy.signal.aborted;
    policy.onAttempted?.(outcome, attemptNumber, retry ? delay : undefined);
    if (!retry) return outcome;
    try {
      await sleep(delay, undefined, { signal: policy.signal });
    } catch {
      return outcome;
    }
  }
}
