/** The registry's HTTP plumbing: JSON replies, errors a person can act on, bounded bodies. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import getRawBody from 'raw-body';

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** The peer the request was about, for the log. */
  peer?: string;
}

/** A refusal: `code` is stable for programs, `message` says what to change. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toReply(): Reply {
    return { status: this.status, body: { error: this.code, message: this.message }, headers: this.headers };
  }
}

export function sendJson(res: ServerResponse, reply: Reply): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...reply.headers,
  });
  res.end(text);
}

/**
 * Reads at most `limitBytes` of body and parses it as JSON. An oversized body
 * is refused before it is read (when Content-Length says so) or as soon as it
 * passes the limit, and the connection is closed rather than drained.
 */
export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  let raw: Buffer;
  try {
    raw = await getRawBody(req, { length: req.headers['content-length'], limit: limitBytes });
  } catch (err) {
    const type = (err as getRawBody.RawBodyError).type;
    if (type === 'entity.too.large') {
      throw new HttpError(413, 'body-too-large', `the body is over ${limitBytes} bytes; an announcement is far smaller`, { connection: 'close' });
    }
    if (type === 'request.size.invalid') {
      throw new HttpError(400, 'body-length-mismatch', 'the body is not as long as its Content-Length says', { connection: 'close' });
    }
    if (type === 'request.aborted') throw new HttpError(400, 'request-aborted', 'the request was aborted before its body arrived');
    throw err;
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'not-json', 'the body is not JSON: send a JSON object with Content-Type: application/json');
  }
}
