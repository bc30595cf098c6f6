/**
 * Which plans are due now: enabled, scheduled, and with a slot missed since
 * their last success (the catch-up rule). The one answer for `run --due` and
 * for the scheduler's catch-up. A plan whose stored schedule no longer parses
 * is set aside with the reason, so it cannot stop the others.
 */
import type { Plan, Store } from '../store';
import { missedSlot } from './catch-up';
import { parseSchedule } from './spec';

/** A due plan, with the slot it missed. */
export type DuePlan = Plan & { missedSlot: Date };

export interface DuePlans {
  due: DuePlan[];
  unusable: { plan: Plan; reason: string }[];
}

export async function duePlans(store: Store, now: number): Promise<DuePlans> {
  const result: DuePlans = { due: [], unusable: [] };
  for (const plan of await store.plans.list()) {
    if (!plan.enabled) continue;
    let schedule;
    try {
      schedule = parseSchedule(plan.schedule);
    } catch (err) {
      result.unusable.push({ plan, reason: err instanceof Error ? err.message : String(err) });
      continue;
    }
    const slot = missedSlot(schedule, plan, await store.runs.lastSucceededStart(plan.id), now);
    if (slot) result.due.push({ ...plan, missedSlot: slot });
  }
  return result;
}
