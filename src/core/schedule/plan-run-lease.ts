/**
 * A plan never runs twice at once, even from two processes: whoever runs it
 * (the scheduler, or "Run now" in any window or the CLI) first takes the
 * plan's run lease, renews it while the run lasts, and releases it at the
 * end. A process that dies mid-run leaves a lease naming its pid, which the
 * next run takes over at once; a frozen one stops renewing, so its claim
 * lapses after the TTL instead of blocking the plan for ever.
 */
import type { Store } from '../store';
import { newLeaseHolder } from '../store/leases';

/** How long a lease outlives a holder that stopped renewing it (crashed, frozen); renewed every third of it. */
export const defaultLeaseTtlMs = 30_000;

export function planRunLeaseName(planId: number): string {
  return `plan-run:${planId}`;
}

/** True while some process holds the plan's run lease. */
export async function isPlanRunning(store: Store, planId: number): Promise<boolean> {
  return (await store.leases.current(planRunLeaseName(planId))) !== undefined;
}

/** Runs `body` holding the plan's run lease; `{ ran: false }` when another run holds it. */
export async function tryWithPlanRunLease<T>(
  store: Store,
  planId: number,
  body: () => Promise<T>,
  ttlMs: number = defaultLeaseTtlMs,
): Promise<{ ran: true; value: T } | { ran: false }> {
  const name = planRunLeaseName(planId);
  const holder = newLeaseHolder();
  if (!(await store.leases.acquire(name, holder, ttlMs))) return { ran: false };
  // A failed renewal (database busy for a moment) is retried on the next beat; the run goes on.
  const renewal = setInterval(() => void store.leases.acquire(name, holder, ttlMs).catch(() => undefined), ttlMs / 3);
  try {
    return { ran: true, value: await body() };
  } finally {
    clearInterval(renewal);
    await store.leases.release(name, holder);
  }
}
