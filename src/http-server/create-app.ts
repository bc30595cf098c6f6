/**
 * A fastify app with what both servers share: limits on every connection
 * and request, refusals as `{ error, message }` JSON, and one log line per
 * request: {"event":"request","method","path","status","ms","remote", ...fields}.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { HttpError } from './http-error';
import type { Logger } from '../core/log';
import { plainIp } from './remote-address';

export interface ServerLimits {
  maxHeaderBytes: number;
  /** Time allowed to receive the headers. */
  headersTimeoutMs: number;
  /** Time allowed for a whole request, body included; 0 for none. */
  requestTimeoutMs: number;
  /** A connection that sends nothing for this long is dropped; 0 for never. */
  idleTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** The most a body parser reads into memory; larger bodies get 413. */
  bodyLimitBytes: number;
}

export interface HttpAppOptions {
  /** Names the server in the answer to a bug: "the registry failed on this request". */
  name: string;
  logger: Logger;
  limits: ServerLimits;
  /** The refusal for a request no route matches. */
  notFound(request: FastifyRequest): HttpError;
  /** This server's refusal for an error that is not an HttpError (fastify's own 4xx, a UserError); undefined makes it a 500. */
  describeError(error: FastifyError): HttpError | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Extra fields for this request's log line; set them with noteForLog. */
    logFields: Record<string, unknown> | null;
    /** The client's address, kept for the log: the socket forgets it once closed. */
    remote: string;
  }
}

/** Adds `fields` (the peer the request was about, ...) to the request's log line. */
export function noteForLog(request: FastifyRequest, fields: Record<string, unknown>): void {
  request.logFields = { ...request.logFields, ...fields };
}

export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const { limits } = options;
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // One line per request, written below, instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    http: { maxHeaderSize: limits.maxHeaderBytes },
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    bodyLimit: limits.bodyLimitBytes,
    forceCloseConnections: true,
    exposeHeadRoutes: false,
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors: (error, request, reply) => refuse(request, reply, refusalFor(error, request)),
    clientErrorHandler: (error, socket) => answerClientError(options.logger, limits, error, socket),
  });
  app.server.headersTimeout = limits.headersTimeoutMs;
  app.decorateRequest('logFields', null);
  app.decorateRequest('remote', '');
  app.addHook('onRequest', (request, _reply, done) => {
    request.remote = plainIp(request.socket.remoteAddress ?? '');
    done();
  });

  app.setErrorHandler((error: FastifyError, request, reply) => refuse(request, reply, refusalFor(error, request)));
  app.setNotFoundHandler((request, reply) => refuse(request, reply, options.notFound(request)));
  app.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    request.log[status >= 500 ? 'error' : 'info']({ event: 'request', ...describeRequest(request), status, ms: Math.round(reply.elapsedTime * 100) / 100, ...request.logFields });
    done();
  });
  // The client went away before its answer: no status to log, but the request is worth a line.
  app.addHook('onRequestAbort', (request, done) => {
    request.log.info({ event: 'request-aborted', ...describeRequest(request), ...request.logFields });
    done();
  });
  return app;

  function refusalFor(error: FastifyError, request: FastifyRequest): HttpError {
    const refusal = error instanceof HttpError ? error : options.describeError(error);
    if (refusal) return refusal;
    noteForLog(request, { error: error.stack ?? String(error) });
    return new HttpError(500, 'internal', `the ${options.name} failed on this request: its log has the details`);
  }
}

function describeRequest(request: FastifyRequest): Record<string, unknown> {
  return { method: request.method, path: request.url.slice(0, 200), remote: request.remote };
}

function refuse(request: FastifyRequest, reply: FastifyReply, refusal: HttpError): void {
  if (refusal.status < 500) noteForLog(request, { error: refusal.message });
  // A body still on its way is not worth reading: close the connection rather than drain it.
  if (!request.raw.complete) reply.header('connection', 'close');
  void reply.code(refusal.status).headers(refusal.headers).send({ error: refusal.code, message: refusal.message });
}

/** Requests node's parser refuses before any route runs still get a JSON reason. */
function answerClientError(logger: Logger, limits: ServerLimits, error: NodeJS.ErrnoException, socket: Socket): void {
  const [status, code, message] = describeClientError(error, limits);
  if (status === 0 || !socket.writable) {
    socket.destroy();
    return;
  }
  logger.info({ event: 'request', status, remote: plainIp(socket.remoteAddress ?? ''), error: message });
  const text = JSON.stringify({ error: code, message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  );
}

/** [status, code, message] for what node's parser refused; status 0 means just drop the connection. */
function describeClientError(error: NodeJS.ErrnoException, limits: ServerLimits): [number, string, string] {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'headers-too-large', `the request headers are over ${limits.maxHeaderBytes / 1024} KB: send fewer or shorter headers`];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'request-timeout', 'the request did not arrive in time: send it whole, promptly'];
    case 'ECONNRESET':
    case 'HPE_INVALID_EOF_STATE': // the client closed mid-request; the route logs it as aborted
      return [0, '', ''];
    default:
      return [400, 'bad-http', 'the request is not valid HTTP/1.1'];
  }
}
