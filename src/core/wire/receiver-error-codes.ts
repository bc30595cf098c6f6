/**
 * The stable `error` codes a receiver answers with (beside a `message` for
 * people), so a sender can tell "ask for more quota" from "your teammate's
 * disk is full" without reading the text.
 */
export const receiverErrorCodes = [
  /** 400: malformed request, or a body that is not what was signed. */
  'bad-request',
  /** 400: not valid HTTP/1.1. */
  'bad-http',
  /** 401: unsigned, bad signature, key not the peer's, or a clock too far off. */
  'unauthenticated',
  /** 401: a request already received once (its nonce was seen). */
  'replayed',
  /** 403: the sender is not on the receiver's allow list. */
  'not-allowed',
  /** 404: no such endpoint, or no such snapshot of this sender. */
  'not-found',
  /** 408: the request did not arrive in time. */
  'request-timeout',
  /** 410: the receiver's copy of the snapshot is missing or shorter than its receipt. */
  'damaged',
  /** 409: the snapshot ID is taken by other content. */
  'conflict',
  /** 409: a snapshot references chunks the receiver does not hold; `missing` lists them. */
  'missing-chunks',
  /** 411: an upload without Content-Length. */
  'length-required',
  /** 413: a hello body over its limit. */
  'too-large',
  /** 429: too many hellos from one address; Retry-After says when to try again. */
  'rate-limited',
  /** 431: request headers over their limit. */
  'headers-too-large',
  /** 507: the snapshot does not fit the space the receiver granted this sender. */
  'quota-exceeded',
  /** 507: the receiver's disk is too full. */
  'disk-full',
  /** 500: a bug in the receiver; its log has the details. */
  'internal',
] as const;

export type ReceiverErrorCode = (typeof receiverErrorCodes)[number];

export function isReceiverErrorCode(value: unknown): value is ReceiverErrorCode {
  return receiverErrorCodes.includes(value as ReceiverErrorCode);
}
