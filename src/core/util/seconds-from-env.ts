/** A duration set in the environment, in seconds, read as milliseconds; a bad value is refused by name. */
import { UserError } from '../errors';

export function secondsFromEnv(env: NodeJS.ProcessEnv, name: string, defaultMs: number): number {
  const given = env[name];
  if (given === undefined || given === '') return defaultMs;
  const seconds = Number(given);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UserError(`${name} is "${given}": set it to a number of seconds greater than 0, or unset it for ${defaultMs / 1000} s`);
  }
  return seconds * 1000;
}
