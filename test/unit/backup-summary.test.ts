import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summariseBackups } from '../../src/core/backup-summary';
import { clockTime, formatDuration, timeAgo } from '../../src/core/human-format';
import type { Plan, Run } from '../../src/core/store';

const now = new Date(2025, 2, 12, 14, 30); // Wednesday 12 March 2025, 14:30 local

function plan(id: number, name: string, schedule: string, enabled = true): Plan {
  return { id, name, destination: null, schedule, enabled, excludes: [], respectGitignore: false, createdAt: 0, updatedAt: 0, items: [] };
}

function run(planId: number, planName: string, status: Run['status'], endedMinutesAgo: number, error: string | null = null): Run {
  const endedAt = now.getTime() - endedMinutesAgo * 60_000;
  return { id: 0, planId, planName, startedAt: endedAt - 5_000, endedAt, status, files: 12, bytes: 1, skipped: [], snapshotId: null, receipt: null, error, failureStep: null, warning: null };
}

test('the last success and the next scheduled run make one line', () => {
  const summary = summariseBackups([plan(1, 'nightly', 'daily 18:00'), plan(2, 'hourly', 'hourly', false)], [run(1, 'nightly', 'succeeded', 12)], now);
  assert.equal(summary.state, 'succeeded');
  assert.equal(summary.text, 'Backed up 12 min ago - next 18:00');
  assert.equal(summary.nextRun?.plan, 'nightly');
  assert.match(summary.details.join('\n'), /"nightly" backed up 12 files at 2025-03-12 14:18\nNext: "nightly" at 2025-03-12 18:00/);
});

test("a plan whose latest run failed outweighs another plan's newer success", () => {
  const runs = [run(2, 'docs', 'succeeded', 1), run(1, 'nightly', 'failed', 90, 'peer offline'), run(1, 'nightly', 'succeeded', 2000)];
  const summary = summariseBackups([plan(1, 'nightly', 'manual'), plan(2, 'docs', 'manual')], runs, now);
  assert.equal(summary.state, 'failed');
  assert.equal(summary.text, 'Backup failed 1 h ago');
  assert.match(summary.details[0], /"nightly" failed at .*: peer offline/);
});

test('a failure fixed by a later run of the same plan is no longer shown', () => {
  const summary = summariseBackups([plan(1, 'nightly', 'manual')], [run(1, 'nightly', 'succeeded', 3), run(1, 'nightly', 'interrupted', 60)], now);
  assert.equal(summary.state, 'succeeded');
  assert.equal(summary.text, 'Backed up 3 min ago');
});

test('no runs, a running backup, and unusable schedules', () => {
  assert.equal(summariseBackups([], [], now).text, 'No backups yet');
  assert.equal(summariseBackups([plan(1, 'x', 'not a schedule')], [], now).nextRun, undefined);
  const running = { ...run(1, 'nightly', 'running', 0), endedAt: null };
  assert.equal(summariseBackups([plan(1, 'nightly', 'weekly mon 09:00')], [running], now).text, 'Backing up nightly... - next Mon 09:00');
});

test('times read the way people say them', () => {
  assert.equal(timeAgo(now.getTime() - 30_000, now), 'just now');
  assert.equal(timeAgo(now.getTime() - 3 * 86_400_000, now), '3 days ago');
  assert.equal(clockTime(new Date(2025, 2, 13, 2, 0), now), 'tomorrow 02:00');
  assert.equal(clockTime(new Date(2025, 3, 1, 9, 5), now), '2025-04-01 09:05');
  assert.equal(formatDuration(3_400), '3.4 s');
  assert.equal(formatDuration(125_000), '2 min 5 s');
});
