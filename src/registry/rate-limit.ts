/** Per-address request limits, so one noisy or hostile host cannot starve the others. */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { HttpError } from '../http-server';

/** Returns a check that throws a 429 (with Retry-After) once `address` exceeds `perMinute` requests. */
export function perAddressLimit(perMinute: number): (address: string) => Promise<void> {
  const limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
  return async (address) => {
    try {
      await limiter.consume(address);
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      const seconds = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
      throw new HttpError(429, 'rate-limited', `too many requests from ${address} (at most ${perMinute} a minute): retry in ${seconds} s`, {
        'retry-after': String(seconds),
      });
    }
  };
}
