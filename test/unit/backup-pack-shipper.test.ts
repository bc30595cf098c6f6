import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ChunkDestination, PackFile } from '../../src/core/backup/chunk-destination';
import { PackShipper, packsInFlight } from '../../src/core/backup/pack-shipper';
import { tempDir } from '../helpers/temp';

/** Holds every upload until the test lets it go, and notes what the spool held whenever one starts. */
class HeldUploads implements ChunkDestination {
  readonly started: { pack: PackFile; spoolFiles: number; uploading: number; release: () => void }[] = [];
  private uploading = 0;
  private onStart: (() => void) | undefined;

  constructor(private readonly spool: string) {}

  async missing(ids: string[]): Promise<Set<string>> {
    return new Set(ids);
  }

  async putPack(pack: PackFile): Promise<void> {
    execFileSync('tar', ['-tf', pack.path]); // whole and readable when handed over
    this.uploading++;
    await new Promise<void>((release) => {
      this.started.push({ pack, spoolFiles: readdirSync(this.spool).length, uploading: this.uploading, release });
      this.onStart?.();
    });
    this.uploading--;
  }

  async commit(): Promise<never> {
    throw new Error('not used');
  }

  /** Resolves once `count` uploads have started. */
  async startedCount(count: number): Promise<void> {
    while (this.started.length < count) await new Promise<void>((resolve) => (this.onStart = resolve));
  }
}

test('packs close past the target size, and while two are being sent the third waits instead of piling up', async (t) => {
  const spool = tempDir(t);
  const destination = new HeldUploads(spool);
  const shipper = new PackShipper(destination, join(spool, 'run-1-pack-'), undefined, () => undefined);
  t.after(() => shipper.close());
  const entryBytes = 12 * 1024 * 1024;
  // A buffer per entry: the shipper is handed each one and releases it once it is written.
  const entry = () => Buffer.alloc(entryBytes, 7);
  const name = (index: number) => index.toString(16).padStart(64, '0');

  // Three 12 MiB entries pass the 32 MiB target: packs 1 and 2 go out and are held.
  for (let index = 0; index < 6; index++) await shipper.add(name(index), [entry()]);
  await destination.startedCount(2);
  // Pack 3 fills, and adding the entry that closes it cannot finish until an upload ends.
  for (let index = 6; index < 8; index++) await shipper.add(name(index), [entry()]);
  let closedThird = false;
  const closing = shipper.add(name(8), [entry()]).then(() => (closedThird = true));
  // Wait until pack 3 is written whole (three entries and the end blocks): from then on only a free place is missing.
  const third = join(spool, 'run-1-pack-3.tar');
  while (!existsSync(third) || statSync(third).size < 3 * (512 + entryBytes) + 1024) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(closedThird, false);
  assert.equal(destination.started.length, 2);
  destination.started[0]!.release();
  await closing;
  await destination.startedCount(3);
  for (const upload of destination.started.slice(1)) upload.release();
  await shipper.finish();

  assert.deepEqual(
    destination.started.map((upload) => upload.pack.chunks),
    [3, 3, 3],
  );
  for (const upload of destination.started) {
    assert.ok(upload.uploading <= packsInFlight);
    assert.ok(upload.spoolFiles <= packsInFlight + 1);
  }
  assert.deepEqual(readdirSync(spool), []);
});
