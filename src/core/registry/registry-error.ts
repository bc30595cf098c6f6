/**
 * Registry failures, with a code so callers (the runner, the status bar) can
 * say which step failed without parsing messages.
 */
import { UserError } from '../errors';

export type RegistryErrorCode =
  /** No answer: wrong URL, registry down, network trouble. */
  | 'registry-unreachable'
  /** The registry has no unexpired entry for the peer. */
  | 'peer-not-registered'
  /** Something answered, but not a Peer Backup registry (or a broken one). */
  | 'registry-garbage'
  /** The registry understood the request and said no (bad clock, rate limit, ...). */
  | 'registry-refused';

export class RegistryError extends UserError {
  /** From a 429's Retry-After: when asking again makes sense. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'RegistryError';
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
