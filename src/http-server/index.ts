/** What the registry and the receiver share: a fastify app with limits, JSON refusals and one log shape. */
export { createHttpApp, noteForLog, type HttpAppOptions, type ServerLimits } from './create-app';
export { HttpError } from './http-error';
export { listen, type Listening } from './listen';
export { jsonLogger, type Logger } from '../core/log';
export { plainIp } from './remote-address';
