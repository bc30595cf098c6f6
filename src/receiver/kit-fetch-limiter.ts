/**
 * How often a recovery kit may be asked for: its fetch needs no signature
 * (the machine asking has lost its key), so the code's verifier is the only
 * guard, and guesses are held to a trickle. Sliding windows, per IPv4
 * address or IPv6 /64: at most `perAddressPerMinute` tries, at most
 * `perLookupPerMinute` tries of one lookup ID from anywhere, and at most
 * `wrongPerAddressPerDay` wrong answers. The clock is injected, so the
 * limits are tested without waiting.
 */
import { addressGroup, HttpError } from '../http-server';

export interface KitFetchLimits {
  perAddressPerMinute: number;
  perLookupPerMinute: number;
  wrongPerAddressPerDay: number;
}

export const defaultKitFetchLimits: KitFetchLimits = { perAddressPerMinute: 10, perLookupPerMinute: 10, wrongPerAddressPerDay: 100 };

const minuteMs = 60_000;
const dayMs = 24 * 60 * minuteMs;
/** Keys remembered per window; past it the oldest are forgotten, so a flood of fresh lookup IDs cannot grow memory without end. */
const maxKeys = 100_000;

export class KitFetchLimiter {
  private readonly tries = new SlidingWindow(minuteMs);
  private readonly lookups = new SlidingWindow(minuteMs);
  private readonly wrong = new SlidingWindow(dayMs);

  constructor(
    private readonly limits: KitFetchLimits = defaultKitFetchLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a try, or throws a 429 (with Retry-After) when the address or the lookup ID is over its budget. */
  admit(address: string, lookupId: string): void {
    const group = addressGroup(address);
    const at = this.now();
    const waits = [
      this.wrong.waitMs(group, at, this.limits.wrongPerAddressPerDay),
      this.tries.waitMs(group, at, this.limits.perAddressPerMinute),
      this.lookups.waitMs(lookupId, at, this.limits.perLookupPerMinute),
    ];
    const waitMs = Math.max(...waits);
    if (waitMs > 0) {
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      const why =
        waits[0] > 0
          ? `from ${group} (at most ${this.limits.wrongPerAddressPerDay} wrong recovery codes a day)`
          : waits[1] > 0
            ? `from ${group} (at most ${this.limits.perAddressPerMinute} a minute)`
            : `for this recovery kit (at most ${this.limits.perLookupPerMinute} a minute from anywhere)`;
      throw new HttpError(429, 'rate-limited', `too many recovery-kit requests ${why}: retry in ${seconds} s`, { 'retry-after': String(seconds) });
    }
    this.tries.add(group, at);
    this.lookups.add(lookupId, at);
  }

  /** Counts a wrong code from the address. */
  noteWrong(address: string): void {
    this.wrong.add(addressGroup(address), this.now());
  }
}

/** Times of recent events per key, kept for one window. */
class SlidingWindow {
  private readonly events = new Map<string, number[]>();

  constructor(private readonly windowMs: number) {}

  /** How long until `key` may have one more event within `limit`; 0 when it may now. */
  waitMs(key: string, at: number, limit: number): number {
    const recent = this.recent(key, at);
    return recent.length < limit ? 0 : recent[recent.length - limit]! + this.windowMs - at;
  }

  add(key: string, at: number): void {
    const recent = this.recent(key, at);
    recent.push(at);
    this.events.delete(key);
    this.events.set(key, recent);
    if (this.events.size > maxKeys) this.events.delete(this.events.keys().next().value!);
  }

  private recent(key: string, at: number): number[] {
    return (this.events.get(key) ?? []).filter((time) => at - time < this.windowMs);
  }
}
