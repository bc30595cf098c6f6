import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EntrySink, FileEntry } from '../../src/core/restore/entry-sink';
import { FilePool } from '../../src/core/restore/file-pool';

function fileEntry(name: string, size: number): FileEntry {
  return { type: 'file', path: Buffer.from(name), mode: 0o644, mtimeMs: 0, size, chunks: [] };
}

/** A sink whose writes end only when the test ends them, oldest first. */
function heldSink() {
  const pending: (() => void)[] = [];
  const written: string[] = [];
  let inFlight = 0;
  let most = 0;
  const sink: EntrySink = {
    writeWhole: (entry, content) =>
      new Promise<void>((resolve) => {
        most = Math.max(most, ++inFlight);
        pending.push(() => {
          inFlight--;
          written.push(`${entry.path.toString()}=${content.toString()}`);
          resolve();
        });
      }),
    directory: () => Promise.reject(new Error('not used')),
    symlink: () => Promise.reject(new Error('not used')),
    file: () => Promise.reject(new Error('not used')),
  };
  return { sink, pending, written, most: () => most };
}

/** Lets promise reactions and I/O callbacks run until `ready` holds. */
async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise(setImmediate);
}

test('the pool holds at most maxFiles and maxBytes in flight, and hands each waiting file over as one ends', async () => {
  for (const { maxFiles, maxBytes, expectedMost } of [
    { maxFiles: 2, maxBytes: 1_000, expectedMost: 2 },
    { maxFiles: 10, maxBytes: 35, expectedMost: 3 },
  ]) {
    const { sink, pending, written, most } = heldSink();
    const pool = new FilePool(sink, maxFiles, maxBytes);
    let handedOver = 0;
    const handing = (async () => {
      for (let index = 0; index < 8; index++) {
        await pool.add(fileEntry(`f${index}`, 10), [Buffer.from(`content${index}`.slice(0, 5)), Buffer.from('.....')]);
        handedOver++;
      }
      await pool.finish();
    })();
    while (written.length < 8) {
      await until(() => pending.length > 0);
      pending.shift()!();
    }
    await handing;
    assert.equal(handedOver, 8);
    assert.equal(most(), expectedMost);
    assert.deepEqual(
      written,
      Array.from({ length: 8 }, (_, index) => `f${index}=${`content${index}`.slice(0, 5)}.....`),
    );
  }
});

test('a write that failed is thrown at the next hand-over and at the end, and nothing more is handed to the sink', async () => {
  const { sink, pending } = heldSink();
  const failing: EntrySink = { ...sink, writeWhole: (entry, content) => (entry.path.toString() === 'bad' ? Promise.reject(new Error('disk full')) : sink.writeWhole!(entry, content)) };
  const pool = new FilePool(failing, 4, 1_000);
  await pool.add(fileEntry('bad', 1), [Buffer.from('x')]);
  await pool.settle();
  await assert.rejects(async () => pool.add(fileEntry('next', 1), [Buffer.from('y')]), /disk full/);
  assert.equal(pending.length, 0, 'nothing more was handed to the sink');
  await assert.rejects(pool.finish(), /disk full/);
});

test('files that share one promise (a batch) hold their room together until it settles, and its failure is kept once', async () => {
  const batches: { release: (error?: Error) => void; files: string[] }[] = [];
  let current: Promise<void> | undefined;
  const sink: EntrySink = {
    writeWhole: (entry) => {
      if (current === undefined) {
        const batch = { release: (_error?: Error) => undefined as void, files: [] as string[] };
        current = new Promise<void>((resolve, reject) => (batch.release = (error) => (error ? reject(error) : resolve())));
        batches.push(batch);
      }
      batches.at(-1)!.files.push(entry.path.toString());
      return current;
    },
    directory: () => Promise.reject(new Error('not used')),
    symlink: () => Promise.reject(new Error('not used')),
    file: () => Promise.reject(new Error('not used')),
  };
  const pool = new FilePool(sink, 3, 1_000);
  let handedOver = 0;
  const handing = (async () => {
    for (let index = 0; index < 5; index++) {
      await pool.add(fileEntry(`f${index}`, 1), [Buffer.from('x')]);
      handedOver++;
    }
  })();
  await until(() => handedOver === 3);
  await new Promise(setImmediate);
  assert.equal(handedOver, 3, 'the fourth file waits while the batch holds three');
  current = undefined;
  batches[0]!.release();
  await handing;
  assert.deepEqual(batches.map((batch) => batch.files), [['f0', 'f1', 'f2'], ['f3', 'f4']]);
  batches[1]!.release(new Error('disk full'));
  await assert.rejects(pool.finish(), /disk full/);
});
