/**
 * A fastify app with what both servers share: limits on every connection
 * and request, refusals as `{ error, message }` JSON, and one log line per
 * request: {"event":"request","method","path","status","ms","remote", ...fields}.
 * With `tls`, it serves HTTPS over TLS 1.3 only, asks every client for a
 * certificate, and closes a connection whose certificate it refuses right
 * after the handshake, before a byte of its request is read.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { limitConnections } from './connection-limits';
import { HttpError } from './http-error';
import type { Logger } from '../core/log';
import { plainIp } from './remote-address';

export interface ServerLimits {
  maxHeaderBytes: number;
  /** Time allowed to receive the headers. */
  headersTimeoutMs: number;
  /**
   * Time allowed for a whole request to arrive, body included; 0 for none.
   * A route may lift it for a body it has accepted (liftRequestDeadline).
   */
  requestTimeoutMs: number;
  /** A connection that sends nothing for this long is dropped; 0 for never. */
  idleTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** The most a body parser reads into memory; larger bodies get 413. */
  bodyLimitBytes: number;
  /** Open connections at most, overall and per address (IPv6 per /64); none when unset. */
  connections?: { total: number; perAddress: number };
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
  /**
   * True for a request that says `Expect: 100-continue` and whose route
   * decides itself whether the body is wanted (it calls
   * reply.raw.writeContinue()); every other such request is told to go on.
   */
  decidesContinue?(request: IncomingMessage): boolean;
  tls?: TlsServing;
}

export interface TlsServing {
  /** PEM private key and certificate the server presents. */
  key: string;
  cert: string;
  /** Why a client's connection must be closed (its certificate is not acceptable), or undefined to serve it. */
  refuseClient(socket: TLSSocket): string | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Extra fields for this request's log line; set them with noteForLog. */
    logFields: Record<string, unknown> | null;
    /** The client's address (IPv4 plain, not ::ffff:-mapped), also after its socket closed. */
    remote: string;
    /** The timer of the request's deadline (requestTimeoutMs), until the request is answered or the deadline lifted. */
    deadline: NodeJS.Timeout | null;
  }
}

/** Lifts the request's deadline: its body may take as long as it keeps moving (the idle timeout still applies). */
export function liftRequestDeadline(request: FastifyRequest): void {
  if (request.deadline) clearTimeout(request.deadline);
  request.deadline = null;
}

/** Adds `fields` (the peer the request was about, ...) to the request's log line. */
export function noteForLog(request: FastifyRequest, fields: Record<string, unknown>): void {
  request.logFields = { ...request.logFields, ...fields };
}

export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const { limits, tls } = options;
  // Node checks the headers timeout only this often, so check often enough for it to mean what it says.
  const http = { maxHeaderSize: limits.maxHeaderBytes, connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs) };
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // One line per request, written below, instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Our request line carries what it needs; a child logger per request (fastify's default) costs a binding object each time.
    childLoggerFactory: (logger) => logger,
    ...(tls
      ? {
          https: {
            ...http,
            key: tls.key,
            cert: tls.cert,
            minVersion: 'TLSv1.3',
            // Every client must present a certificate; which ones are acceptable is refuseClient's call, not a CA's.
            requestCert: true,
            rejectUnauthorized: false,
            handshakeTimeout: limits.headersTimeoutMs,
          },
        }
      : { http }),
    // The request deadline is ours (below), so that a route can lift it for an accepted upload.
    requestTimeout: 0,
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
  if (limits.connections) limitConnections(app.server, limits.connections);
  if (tls) {
    // Ahead of the HTTP server's own listener, so a refused connection is closed before it is given a parser.
    app.server.prependListener('secureConnection', (socket: TLSSocket) => {
      const reason = tls.refuseClient(socket);
      if (reason === undefined) return;
      options.logger.info({ event: 'connection-refused', remote: plainIp(socket.remoteAddress ?? ''), reason });
      socket.destroy();
    });
  }
  app.server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    if (!options.decidesContinue?.(request)) response.writeContinue();
    app.server.emit('request', request, response);
  });
  // Each connection's address is read once as it opens; the socket keeps it, so `remote` still names the client after it closed.
  app.server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => void socket.remoteAddress);
  app.decorateRequest('logFields', null);
  app.decorateRequest('remote', {
    getter(this: FastifyRequest) {
      return plainIp(this.socket.remoteAddress ?? '');
    },
  });
  app.decorateRequest('deadline', null);
  // Only routes that take a body get a deadline hook: a look-up pays for no hook it does not need.
  if (limits.requestTimeoutMs > 0) {
    const startDeadline = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      if (hasBody(request)) request.deadline = setTimeout(() => enforceDeadline(request, reply, limits.requestTimeoutMs), limits.requestTimeoutMs);
      done();
    };
    app.addHook('onRoute', (route) => {
      if (![route.method].flat().some((method) => method !== 'GET' && method !== 'HEAD')) return;
      route.onRequest = [startDeadline, ...[route.onRequest ?? []].flat()];
    });
  }

  app.setErrorHandler((error: FastifyError, request, reply) => refuse(request, reply, refusalFor(error, request)));
  app.setNotFoundHandler((request, reply) => refuse(request, reply, options.notFound(request)));
  app.addHook('onResponse', (request, reply, done) => {
    liftRequestDeadline(request);
    const status = reply.statusCode;
    request.log[status >= 500 ? 'error' : 'info']({ event: 'request', ...describeRequest(request), status, ms: Math.round(reply.elapsedTime * 100) / 100, ...request.logFields });
    done();
  });
  // The client went away before its answer: no status to log, but the request is worth a line.
  app.addHook('onRequestAbort', (request, done) => {
    liftRequestDeadline(request);
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

/** A request without a body is whole once its headers are in (the headers timeout covers those): no deadline to keep. */
function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** A request still arriving when its time is up is answered 408 and its connection closed; one already whole is left to finish. */
function enforceDeadline(request: FastifyRequest, reply: FastifyReply, timeoutMs: number): void {
  request.deadline = null;
  if (request.raw.complete) return;
  if (reply.sent || reply.raw.headersSent) {
    request.raw.socket.destroy();
    return;
  }
  refuse(request, reply, new HttpError(408, 'request-timeout', `the request did not arrive whole within ${timeoutMs / 1000} s: send it whole, promptly`));
}

function refuse(request: FastifyRequest, reply: FastifyReply, refusal: HttpError): void {
  if (refusal.status < 500) noteForLog(request, { error: refusal.message });
  // A body still on its way is not worth reading: close the connection rather than drain it.
  if (!request.raw.complete) reply.header('connection', 'close');
  void reply.code(refusal.status).headers(refusal.headers).send({ ...refusal.extra, error: refusal.code, message: refusal.message });
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
