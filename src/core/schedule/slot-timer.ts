/**
 * Fires at each slot of a schedule, as nextRun (spec.ts) computes it, so the
 * times previews show are the times that fire: node-schedule only keeps the
 * timer for one date at a time (it re-arms a timer that fires early and waits
 * past setTimeout's limit); the cron arithmetic is ours alone.
 *
 * Slots follow Date.now(), the clock node-schedule's timers aim at. A slot
 * that fires late (a busy or sleeping machine) is followed by the first slot
 * after now, not by a burst of the ones missed meanwhile.
 */
import { scheduleJob, type Job } from 'node-schedule';
import { nextRun, type CronSchedule } from './spec';

export interface SlotTimer {
  cancel(): void;
}

export function fireAtSlots(schedule: CronSchedule, onSlot: (slot: Date) => void): SlotTimer {
  let job: Job | null = null;
  let cancelled = false;
  const arm = (after: Date) => {
    const slot = nextRun(schedule, after);
    job = scheduleJob(slot, () => fire(slot));
    // node-schedule refuses a date already past: the slot came while it was being computed.
    if (!job) fire(slot);
  };
  const fire = (slot: Date) => {
    if (cancelled) return;
    arm(new Date(Math.max(slot.getTime(), Date.now())));
    onSlot(slot);
  };
  arm(new Date());
  return {
    cancel: () => {
      cancelled = true;
      job?.cancel();
    },
  };
}
