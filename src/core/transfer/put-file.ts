/**
 * One upload over node's HTTPS client (through the agent that proves the
 * receiver's peer ID on every connection) with `Expect: 100-continue`: the body
 * is sent only once the receiver has accepted the request (signature, allow
 * list, quota, disk), so a refusal arrives as an answer before a byte of the
 * archive is on the wire. An answer that arrives while the body is still
 * being written wins over the write error that follows it (EPIPE,
 * ECONNRESET), so the sender always reads why it was refused.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
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

export function putFile(options: PutFileOptions): Promise<PutAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(options.url, { method: 'PUT', agent: options.agent, headers: { ...options.headers, expect: '100-continue' }, signal: options.signal });
    let answered = false;
    let sent = 0;
    request.on('continue', () => {
      const body = createReadStream(options.file);
      body.on('data', (chunk) => {
        sent += chunk.length;
        options.onSent(sent);
        options.onProgress();
      });
      body.on('error', (err) => request.destroy(err));
      // The 'data' listener keeps the file flowing after an unpipe: stop reading when the request is over.
      request.on('close', () => body.destroy());
      body.pipe(request);
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
