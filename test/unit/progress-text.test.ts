import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeProgress } from '../../src/core/progress-text';

const run = { runId: 7, plan: 'nightly' };

test('packing shows files, size and rate, without a percentage', () => {
  assert.deepEqual(describeProgress({ ...run, phase: 'packing', files: 1234, bytes: 5 * 1024 * 1024, bytesPerSecond: 2 * 1024 * 1024 }), {
    message: 'Packing: 1,234 files, 5 MiB at 2 MiB/s',
    percent: undefined,
  });
});

test('uploading shows how much of the archive is sent, the rate and the time left', () => {
  const line = describeProgress({ ...run, phase: 'uploading', files: 3, bytes: 1024 * 1024, totalBytes: 4 * 1024 * 1024, bytesPerSecond: 1024 * 1024, etaSeconds: 2.5 });
  assert.equal(line.message, 'Uploading 3 files: 1 MiB of 4 MiB at 1 MiB/s, about 3 s left');
  assert.equal(line.percent, 25);
});

test('an unreachable teammate says why and when the next attempt is', () => {
  const line = describeProgress({ ...run, phase: 'connecting', files: 3, bytes: 0, bytesPerSecond: 0, retryingIn: 15, detail: 'peer offline' });
  assert.equal(line.message, 'Teammate not reachable (peer offline); trying again in 15 s');
});
