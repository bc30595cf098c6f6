/**
 * The one error type of Peer Backup. Its message is written for the person
 * using it: it names the file, peer or setting at fault and says what to do.
 * Its code is for programs: the run history records it as the step that
 * failed, front ends choose words and buttons by it, retries look at
 * `retryable`. Front ends show the message as it is; any other error is a
 * bug and is shown with its stack.
 */
export type ErrorCode =
  /** A value the user gave (a flag, a field, a setting) is not usable. */
  | 'bad-input'
  /** A plan, destination, snapshot or file the user named does not exist. */
  | 'not-found'
  /** The thing already exists, or is in the way. */
  | 'conflict'
  /** A file of ours (database, key file, archive) is damaged or not ours. */
  | 'damaged'
  /** The teammate's copy of a snapshot differs from what this machine recorded when it was stored. */
  | 'tampered'
  /** A snapshot this machine holds no record of (made elsewhere), so its copy cannot be checked against one. */
  | 'unrecorded'
  /** A plan with no designated paths. */
  | 'nothing-to-back-up'
  /** A designated file or folder is gone: moved or deleted since it was designated. */
  | 'source-missing'
  /** A plan with no teammate to send to. */
  | 'no-destination'
  /** The plan is already running in this or another process. */
  | 'already-running'
  /** No answer from the registry: wrong URL, registry down, network trouble. */
  | 'registry-unreachable'
  /** Something answered, but not a Peer Backup registry (or a broken one). */
  | 'registry-garbage'
  /** The registry understood the request and said no (bad clock, rate limit, ...). */
  | 'registry-refused'
  /** The registry has no live announcement of the teammate. */
  | 'peer-not-registered'
  /** The teammate announced addresses, but none answered. */
  | 'peer-offline'
  /** Whatever answered could not prove it is the teammate. */
  | 'identity-mismatch'
  /** The teammate has not allowed this machine to store there. */
  | 'not-allowed'
  /** The space the teammate granted is full. */
  | 'quota-exceeded'
  /** The teammate's disk is full, or for a restore, this machine's disk has no room for the snapshot. */
  | 'disk-full'
  /** A transfer broke off or the teammate refused it for another reason. */
  | 'transfer-failed'
  /** The teammate stopped answering part-way (no progress within the stall timeout). */
  | 'timed-out'
  /** The user cancelled. */
  | 'cancelled';

/** Failures that may pass on their own (the teammate comes back online); the others need a person to act. */
const retryableCodes: ReadonlySet<ErrorCode> = new Set(['registry-unreachable', 'peer-not-registered', 'peer-offline', 'transfer-failed', 'timed-out']);

export interface UserErrorOptions {
  code?: ErrorCode;
  /** Overrides the code's default (see retryableCodes). */
  retryable?: boolean;
  cause?: unknown;
  /** From a 429's Retry-After: when asking again makes sense. */
  retryAfterSeconds?: number;
}

export class UserError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, options: UserErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'UserError';
    this.code = options.code ?? 'bad-input';
    this.retryable = options.retryable ?? retryableCodes.has(this.code);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** True for a recorded failure code that may pass on its own. */
export function isRetryableCode(code: string | null): boolean {
  return retryableCodes.has(code as ErrorCode);
}

/** The error's code when it is ours, else undefined (a bug). */
export function codeOf(err: unknown): ErrorCode | undefined {
  return err instanceof UserError ? err.code : undefined;
}
