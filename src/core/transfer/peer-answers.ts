/**
 * Reading a receiver's answers: its refusals (a stable code and a sentence)
 * as UserErrors that say what to do, and network failures in plain words.
 * Shared by the archive sender and the chunk client.
 */
import type { Readable } from 'node:stream';
import { UserError, type ErrorCode } from '../errors';
import { isReceiverErrorCode, type ReceiverErrorCode } from '../wire/receiver-error-codes';

/** A small refusal body read from a stream; undefined when it is not JSON. */
export async function readJson(body: Readable): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

export function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((signal): signal is AbortSignal => signal !== undefined));
}

export function describeNetworkError(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ECONNREFUSED') return 'connection refused (nothing listening)';
  if (code === 'ETIMEDOUT' || code === 'ECONNABORTED' || (err as Error).name === 'TimeoutError' || code === 'ERR_CANCELED') return 'no answer in time';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'host unreachable';
  if (code === 'EPROTO' || code?.startsWith('ERR_SSL_')) return `no TLS 1.3 handshake (${(err as Error).message.trim()}): is it an older Peer Backup, or another service?`;
  return (err as Error).message;
}

/** The receiver's stable code says what the refusal means for the user; an unknown one is a failed transfer. */
const refusalCodes: Partial<Record<ReceiverErrorCode, ErrorCode>> = {
  'not-allowed': 'not-allowed',
  'quota-exceeded': 'quota-exceeded',
  'disk-full': 'disk-full',
  conflict: 'conflict',
  'not-found': 'not-found',
  damaged: 'damaged',
};

export function refusal(response: Answer, peerId: string, what: string): UserError {
  const code = receiverCode(response.data);
  const mapped = code ? refusalCodes[code] : undefined;
  if (mapped === 'disk-full') return new UserError(`${peerId}'s disk is full: ${errorText(response)}; ask your teammate to free space, then back up again`, { code: mapped });
  if (mapped === 'damaged') return new UserError(`${peerId}'s copy is damaged: ${errorText(response)}`, { code: mapped });
  // Refusals that name the user's next step are shown as the receiver worded them.
  if (mapped) return new UserError(errorText(response), { code: mapped });
  return new UserError(`${what} (${response.status}): ${errorText(response)}`, { code: 'transfer-failed' });
}

export function receiverCode(data: unknown): ReceiverErrorCode | undefined {
  const code = (data as { error?: unknown } | undefined)?.error;
  return isReceiverErrorCode(code) ? code : undefined;
}

/** A status and its parsed body, from axios or from putFile. */
export interface Answer {
  status: number;
  data: unknown;
}

export function errorText(response: Answer): string {
  const data = response.data as { message?: unknown } | undefined;
  return typeof data?.message === 'string' ? data.message : `HTTP ${response.status}`;
}
