/** What the registry and the receiver share: a fastify app with limits, JSON refusals and one log shape. */
export { addressGroup } from './address-group';
export { createHttpApp, liftRequestDeadline, noteForLog, type HttpAppOptions, type ServerLimits, type TlsServing } from './create-app';
export { HttpError } from './http-error';
export { listen, type Listening } from './listen';
export { jsonLogger, type Logger } from '../core/log';
export { perAddressGroupLimit } from './rate-limit';
export { plainIp } from './remote-address';
