/**
 * Why a backup failed, by the step that failed: the run records the message,
 * and front ends show it. `retryable` failures may succeed later on their own
 * (the peer comes back online); the others need a person to act.
 */
import { UserError } from './errors';

export type FailureStep =
  | 'nothing-to-back-up'
  | 'no-destination'
  | 'registry-unreachable'
  | 'peer-not-registered'
  | 'peer-offline'
  | 'identity-mismatch'
  | 'not-allowed'
  | 'quota-exceeded'
  | 'upload-failed'
  | 'cancelled';

const retryableSteps: ReadonlySet<FailureStep> = new Set(['registry-unreachable', 'peer-not-registered', 'peer-offline', 'upload-failed']);

export class BackupError extends UserError {
  constructor(
    readonly step: FailureStep,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BackupError';
  }

  get retryable(): boolean {
    return isRetryableStep(this.step);
  }
}

/** True for failures that may pass on their own, e.g. a teammate who comes back online. */
export function isRetryableStep(step: string | null): boolean {
  return retryableSteps.has(step as FailureStep);
}
