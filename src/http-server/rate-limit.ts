/** Per-address request budgets (IPv6 counted per /64), so one noisy or hostile host cannot starve the others. */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { addressGroup } from './address-group';
import { HttpError } from './http-error';

/** Returns a check that throws a 429 (with Retry-After) once `address`'s group exceeds `perMinute` requests of this kind. */
export function perAddressGroupLimit(perMinute: number, what: string): (address: string) => Promise<void> {
  const limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
  return async (address) => {
    const group = addressGroup(address);
    try {
      await limiter.consume(group);
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      const seconds = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
      throw new HttpError(429, 'rate-limited', `too many ${what} from ${group} (at most ${perMinute} a minute): retry in ${seconds} s`, { 'retry-after': String(seconds) });
    }
  };
}
