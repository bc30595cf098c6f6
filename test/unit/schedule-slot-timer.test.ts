/**
 * The slot timer fires at the times previews list: both come from nextRun.
 * Real timers, on a seconds-level cron; a late timer on a busy machine may
 * skip slots, never fire at a time previews do not show.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fireAtSlots } from '../../src/core/schedule/slot-timer';
import { nextRuns, parseSchedule, type CronSchedule } from '../../src/core/schedule/spec';

function cronSchedule(spec: string): CronSchedule {
  const schedule = parseSchedule(spec);
  assert.equal(schedule.kind, 'cron');
  return schedule as CronSchedule;
}

test('the timer fires at the times previews list, never before them', async () => {
  const schedule = cronSchedule('*/2 * * * * *');
  const start = new Date();
  const fired: { slot: Date; at: number }[] = [];
  await new Promise<void>((resolve) => {
    const timer = fireAtSlots(schedule, (slot) => {
      fired.push({ slot, at: Date.now() });
      if (fired.length === 3) {
        timer.cancel();
        resolve();
      }
    });
  });
  const last = fired[fired.length - 1].slot.getTime();
  const previews = nextRuns(schedule, start, Math.ceil((last - start.getTime()) / 2000)).map((slot) => slot.getTime());
  fired.forEach(({ slot, at }, index) => {
    assert.ok(previews.includes(slot.getTime()), `${slot.toISOString()} is not among the previews`);
    assert.ok(at >= slot.getTime(), `fired at ${at}, before its slot ${slot.toISOString()}`);
    if (index > 0) assert.ok(slot > fired[index - 1].slot, 'each slot once, in order');
  });
});

test('a cancelled timer fires no more', async () => {
  let fired = 0;
  const timer = fireAtSlots(cronSchedule('* * * * * *'), () => fired++);
  timer.cancel();
  await sleep(1500); // a slot or two come: nothing may fire at them
  assert.equal(fired, 0);
});
