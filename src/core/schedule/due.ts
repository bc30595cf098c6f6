/** Plans that are due now: enabled, scheduled, and with a slot missed since their last success (the catch-up rule). */
import type { Plan, Store } from '../store';
import { missedSlot } from './catch-up';
import { parseSchedule } from './spec';

export async function duePlans(store: Store, now: number): Promise<Plan[]> {
  const due: Plan[] = [];
  for (const plan of await store.plans.list()) {
    if (!plan.enabled) continue;
    const slot = missedSlot(parseSchedule(plan.schedule), plan, await store.runs.lastSucceededStart(plan.id), now);
    if (slot) due.push(plan);
  }
  return due;
}
