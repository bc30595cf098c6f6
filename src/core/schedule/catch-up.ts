/**
 * The catch-up rule: when a scheduler starts (editor opened, daemon started,
 * machine woke), a plan whose latest scheduled time passed with no successful
 * run since runs once, however many slots it missed.
 *
 * A slot counts only if the plan, as it is now, existed then: a daily 02:00
 * plan created (or edited) at 09:00 does not run at once just because 02:00
 * has passed. The store keeps one updated_at per plan, so any edit restarts
 * the plan's clock, not only a change of schedule.
 */
import type { Plan } from '../store';
import { previousRun, type Schedule } from './spec';

/** The slot the plan missed, or undefined when it is up to date (or manual). */
export function missedSlot(schedule: Schedule, plan: Pick<Plan, 'updatedAt'>, lastSucceededStart: number | undefined, now: number): Date | undefined {
  const slot = previousRun(schedule, new Date(now));
  if (!slot || slot.getTime() < plan.updatedAt) return undefined;
  if (lastSucceededStart !== undefined && lastSucceededStart >= slot.getTime()) return undefined;
  return slot;
}
