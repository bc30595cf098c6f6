/** Retention by restic's keep rules, over simulated time (no clock is read). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRetentionPolicy } from '../../src/core/retention/check-policy';
import { defaultRetentionPolicy } from '../../src/core/retention/policy';
import { selectSnapshots } from '../../src/core/retention/select-snapshots';

const hour = 3_600_000;
const day = 24 * hour;

/** A snapshot every hour, from `start` for `hours` hours, at ten past. */
function hourlyRuns(start: number, hours: number) {
  return Array.from({ length: hours }, (_, i) => ({ snapshotId: `s${String(i).padStart(4, '0')}`, storedAt: start + i * hour + 10 * 60_000 }));
}

test('over a simulated month of hourly runs the default policy keeps exactly the newest 10, and the newest of each of the last 24 hours, 14 days, 8 weeks and 12 months that have one', () => {
  // Monday 2026-03-02 00:10 UTC to Wednesday 2026-04-01 23:10 UTC: 31 days.
  const start = Date.UTC(2026, 2, 2);
  const runs = hourlyRuns(start, 31 * 24);
  const { keep, forget } = selectSnapshots(runs, defaultRetentionPolicy, 'UTC');
  const at = (id: string) => new Date(runs.find((run) => run.snapshotId === id)!.storedAt).toISOString().slice(0, 16);
  const kept = keep.map((each) => at(each.snapshot.snapshotId));

  const expected = new Set<string>();
  for (let h = 0; h < 24; h++) expected.add(new Date(start + (31 * 24 - 1 - h) * hour + 10 * 60_000).toISOString().slice(0, 16)); // the last 24 hours
  for (let d = 0; d < 14; d++) expected.add(new Date(Date.UTC(2026, 3, 1) - d * day + 23 * hour + 10 * 60_000).toISOString().slice(0, 16)); // each day's last run
  // The newest of each ISO week: Wed 1 Apr (week 14), then the Sundays 29, 22, 15 and 8 March, all in the month.
  for (const sunday of ['2026-03-29', '2026-03-22', '2026-03-15', '2026-03-08']) expected.add(`${sunday}T23:10`);
  // Monthly: the newest of April (1 Apr, already kept) and of March (31 Mar, already kept as daily).
  assert.deepEqual(new Set(kept), expected);
  // 24 hours of 1 April; 13 more days (31 to 19 March); of the weeks, only those ending 15 and 8 March lie before the days; both months' newest are kept already.
  assert.equal(kept.length, 24 + 13 + 2);
  assert.equal(keep.length + forget.length, runs.length);
  const newest = keep[0]!;
  assert.deepEqual(newest.reasons, ['last', 'hourly', 'daily', 'weekly', 'monthly']);
});

test('keep-last keeps the newest N whatever their age; periods follow the given time zone', () => {
  const runs = hourlyRuns(Date.UTC(2026, 0, 1), 48);
  const lastOnly = selectSnapshots(runs, { last: 5, hourly: 0, daily: 0, weekly: 0, monthly: 0 }, 'UTC');
  assert.deepEqual(lastOnly.keep.map((each) => each.snapshot.snapshotId), ['s0047', 's0046', 's0045', 's0044', 's0043']);
  assert.equal(lastOnly.forget.length, 43);

  // Two days of hourly runs: the daily rule keeps each day's newest, and the day boundary moves with the zone.
  const dailyUtc = selectSnapshots(runs, { last: 0, hourly: 0, daily: 3, weekly: 0, monthly: 0 }, 'UTC').keep.map((each) => each.snapshot.snapshotId);
  assert.deepEqual(dailyUtc, ['s0047', 's0023']);
  const dailyTokyo = selectSnapshots(runs, { last: 0, hourly: 0, daily: 3, weekly: 0, monthly: 0 }, 'Asia/Tokyo').keep.map((each) => each.snapshot.snapshotId);
  assert.deepEqual(dailyTokyo, ['s0047', 's0038', 's0014']); // Tokyo's days end at 15:00 UTC
});

test('a policy that keeps nothing, or a negative count, is refused', () => {
  assert.throws(() => checkRetentionPolicy({ last: 0, hourly: 0, daily: 0, weekly: 0, monthly: 0 }), /keeps nothing/);
  assert.throws(() => checkRetentionPolicy({ ...defaultRetentionPolicy, daily: -1 }), /keep-daily must be a whole number/);
  assert.deepEqual(checkRetentionPolicy(defaultRetentionPolicy), defaultRetentionPolicy);
});
