import assert from 'node:assert/strict';
import test from 'node:test';
import { stallWatchdog } from '../../src/core/transfer/stall-watchdog';

test('the watchdog fires only after a whole timeout without progress', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const watchdog = stallWatchdog(1000, 'peer', 'uploading');
  t.mock.timers.tick(900);
  watchdog.progress();
  t.mock.timers.tick(900);
  assert.equal(watchdog.signal.aborted, false);
  t.mock.timers.tick(100);
  assert.equal(watchdog.signal.aborted, true);
  assert.match(String((watchdog.signal.reason as Error).message), /stopped answering while uploading \(no progress for 1 s\)/);
});

test('progress reported after stop does not start the watchdog again', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const watchdog = stallWatchdog(1000, 'peer', 'uploading');
  watchdog.stop();
  // A chunk read from disk after the upload already failed.
  watchdog.progress();
  t.mock.timers.tick(5000);
  assert.equal(watchdog.signal.aborted, false);
});
