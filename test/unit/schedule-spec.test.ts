import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors';
import { describeSchedule, localTimeZone, nextRuns, parseSchedule, previousRun, type Schedule } from '../../src/core/schedule/spec';

// Local times, as the schedules use them; January avoids daylight-saving changes.
const monday0930 = new Date(2030, 0, 7, 9, 30);

function cronOf(schedule: Schedule): string {
  assert.equal(schedule.kind, 'cron');
  return schedule.kind === 'cron' ? schedule.cron : '';
}

test('presets map to the cron expressions they fire on, in canonical form', () => {
  const cases: [string, string, string][] = [
    ['hourly', 'hourly', '0 * * * *'],
    ['daily 02:00', 'daily 02:00', '0 2 * * *'],
    ['Daily 7:05', 'daily 07:05', '5 7 * * *'],
    ['weekly mon 09:00', 'weekly mon 09:00', '0 9 * * 1'],
    ['WEEKLY Sunday 23:59', 'weekly sun 23:59', '59 23 * * 0'],
    ['weekly  saturday   06:30', 'weekly sat 06:30', '30 6 * * 6'],
    ['every 1 minute', 'every 1 minute', '* * * * *'],
    ['every 15 minutes', 'every 15 minutes', '*/15 * * * *'],
    ['every 30 minutes', 'every 30 minutes', '*/30 * * * *'],
    ['every 60 minutes', 'every 60 minutes', '0 * * * *'],
    ['every 360 minutes', 'every 360 minutes', '0 */6 * * *'],
    ['every 1440 minutes', 'every 1440 minutes', '0 0 * * *'],
  ];
  for (const [text, spec, cron] of cases) {
    const schedule = parseSchedule(text);
    assert.equal(schedule.spec, spec, text);
    assert.equal(cronOf(schedule), cron, text);
  }
});

test('manual is valid and never fires', () => {
  const schedule = parseSchedule(' Manual ');
  assert.equal(schedule.kind, 'manual');
  assert.equal(schedule.spec, 'manual');
  assert.deepEqual(nextRuns(schedule, monday0930, 3), []);
  assert.equal(previousRun(schedule, monday0930), undefined);
  assert.match(describeSchedule(schedule), /only when asked/);
});

test('raw cron: 5 fields, or 6 with seconds first, kept as typed', () => {
  assert.equal(cronOf(parseSchedule('30 2 * * 1-5')), '30 2 * * 1-5');
  assert.equal(cronOf(parseSchedule('*/10 * * * * *')), '*/10 * * * * *');
  assert.equal(parseSchedule('0  3 1 * *').spec, '0 3 1 * *');
});

test('bad specs are refused with an example of a good one', () => {
  const refusals: [string, RegExp][] = [
    ['nightly', /"nightly" is not a schedule: use manual, hourly, "daily 02:00", "weekly mon 09:00", "every 15 minutes", or a cron expression/],
    ['daily 24:00', /no such time of day: use 24-hour HH:MM, such as "daily 02:00"/],
    ['daily 12:60', /no such time of day/],
    ['daily 2pm', /is not a schedule/],
    ['weekly someday 09:00', /names no day of the week: use mon, tue.*such as "weekly mon 09:00"/],
    ['every 7 minutes', /does not divide an hour or a day evenly: use every 1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30 minutes/],
    ['every 90 minutes', /does not divide an hour or a day evenly/],
    ['every 0 minutes', /never fires: use at least "every 1 minute"/],
    ['61 * * * *', /not a valid cron expression \(.*0-59.*\): use 5 fields, minute hour day month weekday, such as "30 2 \* \* 1-5"/],
    ['* * * *', /is not a schedule/],
    ['* * * * * * *', /is not a schedule/],
    ['0 0 31 2,4 *', /never fires: choose days that exist/],
    ['', /is not a schedule/],
  ];
  for (const [text, message] of refusals) {
    assert.throws(() => parseSchedule(text), (err: Error) => err instanceof UserError && message.test(err.message), text);
  }
});

test('next runs and the previous run, in local time', () => {
  const daily = parseSchedule('daily 02:00');
  assert.deepEqual(nextRuns(daily, monday0930, 3), [new Date(2030, 0, 8, 2, 0), new Date(2030, 0, 9, 2, 0), new Date(2030, 0, 10, 2, 0)]);
  assert.deepEqual(previousRun(daily, monday0930), new Date(2030, 0, 7, 2, 0));

  const weekly = parseSchedule('weekly mon 09:00');
  assert.deepEqual(nextRuns(weekly, monday0930, 2), [new Date(2030, 0, 14, 9, 0), new Date(2030, 0, 21, 9, 0)]);
  assert.deepEqual(previousRun(weekly, monday0930), new Date(2030, 0, 7, 9, 0));

  const quarterly = parseSchedule('every 15 minutes');
  assert.deepEqual(nextRuns(quarterly, new Date(2030, 0, 7, 9, 31), 2), [new Date(2030, 0, 7, 9, 45), new Date(2030, 0, 7, 10, 0)]);
});

test('a slot is "previous" only strictly before the given time, and "next" strictly after', () => {
  const daily = parseSchedule('daily 02:00');
  const slot = new Date(2030, 0, 7, 2, 0);
  assert.deepEqual(previousRun(daily, slot), new Date(2030, 0, 6, 2, 0));
  assert.deepEqual(previousRun(daily, new Date(slot.getTime() + 1)), slot);
  assert.deepEqual(nextRuns(daily, slot, 1), [new Date(2030, 0, 8, 2, 0)]);
});

test('descriptions say when, and in which time zone', () => {
  const zone = localTimeZone();
  assert.ok(zone.length > 0);
  assert.equal(describeSchedule(parseSchedule('daily 02:00')), `every day at 02:00 (local time, ${zone})`);
  assert.equal(describeSchedule(parseSchedule('weekly fri 17:30')), `every Friday at 17:30 (local time, ${zone})`);
  assert.equal(describeSchedule(parseSchedule('0 2 * * 1-5')), `cron "0 2 * * 1-5" (local time, ${zone})`);
});
