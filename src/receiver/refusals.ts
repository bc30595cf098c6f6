/** The receiver's refusals: each a stable code from receiver-error-codes with its HTTP status, and a sentence for people. */
import type { FastifyError } from 'fastify';
import { QuotaExceeded, storageRefusalCode, type ReceiverErrorCode } from '../core/receive';
import { HttpError } from '../http-server';

const statusOf: Record<ReceiverErrorCode, number> = {
  'bad-request': 400,
  'bad-http': 400,
  unauthenticated: 401,
  replayed: 401,
  'not-allowed': 403,
  'not-found': 404,
  'request-timeout': 408,
  conflict: 409,
  'missing-chunks': 409,
  damaged: 410,
  'length-required': 411,
  'too-large': 413,
  'rate-limited': 429,
  'headers-too-large': 431,
  'quota-exceeded': 507,
  'disk-full': 507,
  internal: 500,
};

/** A hello body is far below this. */
export const maxHelloBytes = 4 * 1024;

export function refusal(code: ReceiverErrorCode, message: string): HttpError {
  return new HttpError(statusOf[code], code, message);
}

/** The receiver's refusal for a storage UserError or for what fastify itself refuses; undefined for a bug. */
export function describeError(error: FastifyError): HttpError | undefined {
  // The quota's figures and which snapshots to forget travel beside the message (docs/PROTOCOL.md, "Refusals").
  if (error instanceof QuotaExceeded) return new HttpError(statusOf['quota-exceeded'], 'quota-exceeded', error.message, {}, { quota: error.figures, ...(error.forget ? { forget: error.forget } : {}) });
  const storageCode = storageRefusalCode(error);
  if (storageCode) return refusal(storageCode, error.message);
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return refusal('too-large', `a hello body is at most ${maxHelloBytes} bytes`);
  const status = error.statusCode ?? 500;
  return status >= 400 && status < 500 ? new HttpError(status, 'bad-request', `the request cannot be used as sent: ${error.message}`) : undefined;
}
