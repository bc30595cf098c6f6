/**
 * One upload over node's HTTPS client (through the agent that proves the
 * receiver's peer ID on every connection) with `Expect: 100-continue`: the body
 * is sent only once the receiver has accepted the request (signature, allow
 * list, quota, disk), so a refusal arrives as an answer before a byte of the
 * archive is on the wire. An answer that arrives while the body is still
 * being written wins over the write error that follows it (EPIPE,
 * ECONNRESET), so the sender always reads why it was refused.
 *
 * The file goes out through two buffers used again and again, not a read
 * stream's fresh buffer per read: those wait for the collector once written,
 * and a large backup's sender held tens of MB of them.
 */
import { open } from 'node:fs/promises';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest, type Agent } from 'node:https';

export interface PutAnswer {
  status: number;
  /** The parsed JSON body; undefined when it was not JSON or was cut off. */
  body: unknown;
}

export interface PutFileOptions {
  url: string;
  agent: Agent;
  headers: Record<string, string>;
  file: string;
  signal: AbortSignal;
  /** Called with the running total of bytes sent. */
  onSent: (sent: number) => void;
  /** Called for every chunk sent or answered: the transfer is moving. */
  onProgress: () => void;
}

/** Answers are small JSON; more than this is not one of ours. */
const maxAnswerBytes = 64 * 1024;
/** Each read of the file, and each write to the connection. */
const pieceBytes = 64 * 1024;

export function putFile(options: PutFileOptions): Promise<PutAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(options.url, { method: 'PUT', agent: options.agent, headers: { ...options.headers, expect: '100-continue' }, signal: options.signal });
    let answered = false;
    let sent = 0;
    request.on('continue', () => {
      writeFile(options.file, request, (count) => {
        sent += count;
        options.onSent(sent);
        options.onProgress();
      }).catch((err: unknown) => request.destroy(err as Error));
    });
    request.on('response', (response) => {
      answered = true;
      readAnswer(response, options.onProgress).then((answer) => {
        resolve(answer);
        // Whatever of the body is left unsent is not wanted.
        request.destroy();
      }, reject);
    });
    request.on('error', (err) => {
      if (!answered) reject(err);
    });
    request.flushHeaders();
  });
}

/**
 * Writes the file to the request and ends it. A buffer is read into again
 * only once its last write is done, which also holds the reading back to the
 * connection's pace. Stops early, with the file closed, if the request ends
 * first (answered, refused or aborted).
 */
async function writeFile(file: string, request: ClientRequest, onWritten: (count: number) => void): Promise<void> {
  const closed = new Promise<void>((resolve) => request.once('close', resolve));
  const handle = await open(file, 'r');
  try {
    const buffers = [Buffer.allocUnsafeSlow(pieceBytes), Buffer.allocUnsafeSlow(pieceBytes)];
    const writes: (Promise<void> | undefined)[] = [undefined, undefined];
    for (let turn = 0; ; turn ^= 1) {
      await Promise.race([writes[turn], closed]);
      if (request.destroyed) return;
      const buffer = buffers[turn]!;
      const { bytesRead } = await handle.read(buffer, 0, pieceBytes, null);
      if (bytesRead === 0) break;
      writes[turn] = new Promise<void>((resolve, reject) => {
        request.write(buffer.subarray(0, bytesRead), (err) => (err ? reject(err) : (onWritten(bytesRead), resolve())));
      });
      // A write that fails is reported by the request's own error; here it only ends the loop.
      writes[turn]!.catch(() => undefined);
    }
    await Promise.race([Promise.all(writes), closed]);
    if (!request.destroyed) request.end();
  } finally {
    await handle.close();
  }
}

function readAnswer(response: IncomingMessage, onProgress: () => void): Promise<PutAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const status = response.statusCode ?? 0;
    const settle = (complete: boolean) => {
      let body: unknown;
      try {
        body = complete ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      } catch {
        body = undefined;
      }
      resolve({ status, body });
    };
    response.on('data', (chunk: Buffer) => {
      onProgress();
      length += chunk.length;
      if (length <= maxAnswerBytes) chunks.push(chunk);
    });
    response.on('end', () => settle(length <= maxAnswerBytes));
    // The status line arrived; a body cut off after it still tells the status.
    response.on('error', () => settle(false));
  });
}
