/**
 * A download's body is bounded by its receipt: never more than the receipt's
 * size passed on, a short body fails, and a deadline ends a body that never
 * finishes. Plain Readables stand in for the teammate's answer.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import test from 'node:test';
import { UserError } from '../../src/core/errors';
import { stallWatchdog } from '../../src/core/transfer/stall-watchdog';
import { declaresOtherLength, downloadDeadlineMs, watchedDownload, type DownloadFailures } from '../../src/core/transfer/watched-download';

const failures: DownloadFailures = {
  brokeOff: (received) => new UserError(`broke off after ${received}`, { code: 'damaged' }),
  overran: (received) => new UserError(`overran: ${received}`, { code: 'damaged' }),
  tooSlow: (received) => new UserError(`too slow: ${received}`, { code: 'timed-out' }),
};

/** A body of `chunkSize`-byte chunks, `chunks` of them (endless when Infinity), counting what it produced and noticing when it is let go. */
function body(chunkSize: number, chunks: number) {
  let produced = 0;
  let made = 0;
  const stream = new Readable({
    read() {
      if (made++ >= chunks) {
        this.push(null);
        return;
      }
      produced += chunkSize;
      this.push(Buffer.alloc(chunkSize, 7));
    },
  });
  return { stream, produced: () => produced };
}

/** Reads the download to its end or failure, as the spool file would: what was passed on, and the error. */
async function drain(download: Readable): Promise<{ passed: number; error?: Error }> {
  let passed = 0;
  download.on('data', (chunk: Buffer) => (passed += chunk.length));
  try {
    await finished(download);
    return { passed };
  } catch (error) {
    return { passed, error: error as Error };
  }
}

function bounds(expectedBytes: number, deadline = new AbortController().signal) {
  return { expectedBytes, deadline };
}

test('a body of exactly the receipt size passes through whole', async () => {
  const source = body(1000, 5);
  const result = await drain(watchedDownload(source.stream, bounds(5000), stallWatchdog(60_000, 'peer', 'downloading'), failures));
  assert.deepEqual(result, { passed: 5000 });
});

test('a body that goes on past the receipt size fails at once and passes on no byte beyond it', async () => {
  const source = body(64 * 1024, Infinity);
  const result = await drain(watchedDownload(source.stream, bounds(16), stallWatchdog(60_000, 'peer', 'downloading'), failures));
  assert.equal(result.error?.message, `overran: ${64 * 1024}`);
  assert.equal(result.passed, 0);
  if (!source.stream.destroyed) await once(source.stream, 'close');
  // The endless body was let go after what the streams buffer ahead, not read on.
  assert.ok(source.produced() <= 64 * 64 * 1024, `${source.produced()} bytes were read from the body`);
});

test('a body that overruns part way passes on only what the receipt covers', async () => {
  const source = body(1000, 10);
  const result = await drain(watchedDownload(source.stream, bounds(4500), stallWatchdog(60_000, 'peer', 'downloading'), failures));
  assert.equal(result.error?.message, 'overran: 5000');
  assert.equal(result.passed, 4000);
});

test('a body that ends short of the receipt size fails as broken off', async () => {
  const source = body(1000, 3);
  const result = await drain(watchedDownload(source.stream, bounds(5000), stallWatchdog(60_000, 'peer', 'downloading'), failures));
  assert.equal(result.error?.message, 'broke off after 3000');
});

test('the deadline ends a body that keeps the download open, and lets it go', async () => {
  const deadline = new AbortController();
  const never = new Readable({ read() {} });
  const download = watchedDownload(never, bounds(5000, deadline.signal), stallWatchdog(60_000, 'peer', 'downloading'), failures);
  never.push(Buffer.alloc(100));
  const firstChunk = once(download, 'data');
  const reading = drain(download);
  await firstChunk;
  deadline.abort();
  const result = await reading;
  assert.equal(result.error?.message, 'too slow: 100');
  assert.ok(never.destroyed);
});

test('a deadline already passed fails the download before it is read', async () => {
  const result = await drain(watchedDownload(body(10, 1).stream, bounds(10, AbortSignal.abort()), stallWatchdog(60_000, 'peer', 'downloading'), failures));
  assert.equal(result.error?.message, 'too slow: 0');
});

test('a declared length other than the receipt size is caught; none declared (chunked) is left to the body bound', () => {
  assert.equal(declaresOtherLength('314572800', 16), true);
  assert.equal(declaresOtherLength('garbage', 16), true);
  assert.equal(declaresOtherLength('16', 16), false);
  assert.equal(declaresOtherLength(undefined, 16), false);
});

test('the deadline allows 64 KiB/s on top of a one-minute floor, up to the longest a timer can wait', () => {
  assert.equal(downloadDeadlineMs(0), 60_000);
  assert.equal(downloadDeadlineMs(64 * 1024 * 100), 160_000);
  assert.equal(downloadDeadlineMs(10 * 1024 ** 3), 60_000 + 163_840_000);
  // Past what a timer can wait, the deadline stays at that longest wait rather than firing at once.
  assert.equal(downloadDeadlineMs(1024 ** 4), 2 ** 31 - 1);
});
