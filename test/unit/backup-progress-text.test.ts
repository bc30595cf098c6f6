import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackupProgress, type BackupFigures } from '../../src/core/backup/backup-progress';
import { describeProgress } from '../../src/core/progress-text';

const run = { runId: 7, plan: 'nightly' };
const MiB = 1024 * 1024;

test('a chunked backup shows files examined, those skipped as unchanged, and what is new and sent', () => {
  const line = describeProgress({
    ...run,
    phase: 'packing',
    files: 1234,
    bytes: 50 * MiB,
    unchangedFiles: 980,
    unchangedBytes: 12.3 * MiB,
    newBytes: 5 * MiB,
    sentBytes: 2 * MiB,
    bytesPerSecond: 10 * MiB,
  });
  assert.deepEqual(line, { message: 'Packing: 1,234 files (980 unchanged, 12.3 MiB skipped), 50 MiB at 10 MiB/s; 5 MiB new, 2 MiB sent', percent: undefined });
});

test('the last packs going out show what was sent, with no percentage when the total is not known', () => {
  const line = describeProgress({ ...run, phase: 'uploading', files: 3, bytes: 4 * MiB, newBytes: 4 * MiB, sentBytes: 4 * MiB, bytesPerSecond: 0 });
  assert.deepEqual(line, { message: 'Sending the last packs: 3 files; 4 MiB new, 4 MiB sent', percent: undefined });
});

test('progress is passed on at most every 250 ms by the clock given, except when forced', () => {
  let now = 1_000;
  const seen: BackupFigures[] = [];
  const progress = new BackupProgress((figures) => seen.push(figures), () => now);
  progress.figures.files = 1;
  progress.changed();
  progress.figures.files = 2;
  progress.changed();
  now += 249;
  progress.changed();
  now += 1;
  progress.figures.files = 3;
  progress.changed();
  progress.figures.files = 4;
  progress.changed(true);
  assert.deepEqual(
    seen.map((figures) => figures.files),
    [1, 3, 4],
  );
});
