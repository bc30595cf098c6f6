/** How the storage's refusals travel to a sender: its UserError codes as the receiver's stable codes. */
import { UserError, type ErrorCode } from '../errors';
import type { ReceiverErrorCode } from '../wire/receiver-error-codes';

const storageCodes: Partial<Record<ErrorCode, ReceiverErrorCode>> = {
  'bad-input': 'bad-request',
  'transfer-failed': 'bad-request',
  conflict: 'conflict',
  'quota-exceeded': 'quota-exceeded',
  'disk-full': 'disk-full',
  damaged: 'damaged',
  'not-found': 'not-found',
};

/** The receiver's code for a refusal the storage raised; undefined for anything else (any other error there is a bug). */
export function storageRefusalCode(error: unknown): ReceiverErrorCode | undefined {
  return error instanceof UserError ? storageCodes[error.code] : undefined;
}
