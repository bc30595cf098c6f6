/** Plans that are due now: enabled, scheduled, and with a slot missed since their last success (the catch-up rule). */
import type { Plan, Store } from '../store';
import { missedSlot } from './catch-up';
import { parseSchedule } from './spec';

export async function duePlans(store: Store, now: number): Promise<{ due: Plan[]; unusable: { plan: Plan; reason: string }[] }> {
  const due: Plan[] = [];
  const unusable: { plan: Plan; reason: string }[] = [];
  for (const plan of await store.plans.list()) {
    if (!plan.enabled) continue;
    let schedule;
    try {
      schedule = parseSchedule(plan.schedule);
    } catch (err) {
      unusable.push({ plan, reason: (err as Error).message });
      continue;
    }
    if (missedSlot(schedule, plan, await store.runs.lastSucceededStart(plan.id), now)) due.push(plan);
  }
  return { due, unusable };
}
