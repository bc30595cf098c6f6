/** What the scheduler needs to know of a finished run: its status, and whether retrying could help. */
import { isRetryableCode } from '../errors';
import type { Run } from '../store';

export interface RunPlanOutcome {
  status: 'succeeded' | 'failed' | 'cancelled';
  error?: string;
  /** A failure that may pass on its own (peer offline, registry down); only these are retried. */
  retryable?: boolean;
}

export function outcomeOf(run: Run): RunPlanOutcome {
  if (run.status === 'succeeded' || run.status === 'cancelled') return { status: run.status };
  return { status: 'failed', error: run.error ?? 'no reason recorded', retryable: isRetryableCode(run.failureStep) };
}
