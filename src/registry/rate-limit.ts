/**
 * Per-address limits, so one noisy or hostile host cannot starve the others.
 * An IPv6 host often has a whole /64 to pick addresses from, so the limit
 * counts per /64 (see addressBlock).
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { HttpError } from '../http-server';
import { addressBlock } from './addresses';

/** Returns a check that throws a 429 (with Retry-After) once `address`'s block exceeds `perMinute` requests. */
export function perAddressLimit(perMinute: number): (address: string) => Promise<void> {
  const limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
  return async (address) => {
    const block = addressBlock(address);
    try {
      await limiter.consume(block);
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      const seconds = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
      throw new HttpError(429, 'rate-limited', `too many requests from ${block} (at most ${perMinute} a minute): retry in ${seconds} s`, {
        'retry-after': String(seconds),
      });
    }
  };
}
