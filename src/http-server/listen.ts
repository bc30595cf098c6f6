/** Listening and the address to give out. */
import type { AddressInfo } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type { FastifyInstance } from 'fastify';

export interface Listening {
  port: number;
  url: string;
}

/** Listens on `host`:`port`; a failure (port taken, ...) becomes `describeError`'s error and the app is closed. */
export async function listen(app: FastifyInstance, host: string, port: number, describeError: (err: NodeJS.ErrnoException) => Error): Promise<Listening> {
  // fastify logs every address it listens on; our callers print their own first line, the one scripts wait for.
  const level = app.log.level;
  app.log.level = 'warn';
  try {
    await app.listen({ host, port });
  } catch (err) {
    await app.close();
    throw describeError(err as NodeJS.ErrnoException);
  } finally {
    app.log.level = level;
  }
  const bound = (app.server.address() as AddressInfo).port;
  const scheme = app.server instanceof TlsServer ? 'https' : 'http';
  return { port: bound, url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${bound}` };
}
