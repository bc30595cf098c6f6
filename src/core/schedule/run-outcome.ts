/** What the scheduler needs to know of a finished run: its status, and whether retrying could help. */
import { isRetryableCode } from '../errors';
import type { Run } from '../store';
import type { RunPlanOutcome } from './retry';

export function outcomeOf(run: Run): RunPlanOutcome {
  if (run.status === 'succeeded' || run.status === 'cancelled') return { status: run.status };
  return { status: 'failed', error: run.error ?? 'no reason recorded', retryable: isRetryableCode(run.failureStep) };
}
