/**
 * How long each use case keeps trying a teammate who cannot be reached.
 * The runner and the scheduler apply a policy; only this file chooses one.
 */
import type { RetryPolicy } from '../retry';

/** A run someone is watching (the CLI's `run`, the editor's Run Now): about a minute, then say why. */
export const watchedRunRetry: RetryPolicy = { delaysMs: [5_000, 15_000, 40_000] };

/**
 * A scheduled run: each attempt is a run of its own in the history, with
 * growing pauses (the last repeats) until the plan's next slot takes over.
 */
export const scheduledRunRetryDelaysMs: readonly number[] = [1, 2, 5, 10, 30].map((minutes) => minutes * 60_000);
