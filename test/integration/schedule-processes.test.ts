/**
 * Schedulers in separate processes over one SQLite file, as several editor
 * windows and a CLI daemon would be: only the lease holder starts runs, each
 * slot runs once, and a holder that freezes is taken over.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { test, type TestContext } from 'node:test';
import { openStore, type Store } from '../../src/core/store';
import { tempDir } from '../helpers/temp';
import { withRawDatabase } from '../helpers/raw-database';

const worker = resolve(__dirname, 'schedule-worker.ts');

interface WorkerEvent {
  type: string;
  holder?: boolean;
  slot?: string;
  plan?: string;
}

/** A scheduler process, its events as they arrive, and a way to wait for one. */
class SchedulerProcess {
  readonly events: WorkerEvent[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private waiters: { match: (event: WorkerEvent) => boolean; resolve: (event: WorkerEvent) => void }[] = [];
  private stderr = '';

  constructor(databaseFile: string, leaseTtlMs: number) {
    this.child = spawn(process.execPath, ['--import', 'tsx', worker, databaseFile, String(leaseTtlMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolveExit) => this.child.once('exit', () => resolveExit()));
    this.child.stderr!.on('data', (chunk) => (this.stderr += chunk));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as WorkerEvent;
      this.events.push(event);
      for (const waiter of this.waiters.filter((each) => each.match(event))) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The first event of `type` from now on; the bound is generous, for a busy machine. */
  next(type: string, timeoutMs = 60_000): Promise<WorkerEvent> {
    return new Promise((resolveEvent, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`pid ${this.pid}: no ${type} within ${timeoutMs} ms; events ${JSON.stringify(this.events)}; stderr ${this.stderr}`)),
        timeoutMs,
      );
      this.waiters.push({
        match: (event) => event.type === type,
        resolve: (event) => {
          clearTimeout(timer);
          resolveEvent(event);
        },
      });
    });
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
    }
    await this.exited;
  }

  slotsStarted(): string[] {
    return this.events.filter((event) => event.type === 'run-started').map((event) => event.slot!);
  }

  errors(): WorkerEvent[] {
    return this.events.filter((event) => event.type === 'error');
  }
}

async function databaseWithPlan(t: TestContext): Promise<{ file: string; store: Store }> {
  const file = join(tempDir(t), 'peer-backup.db');
  const store = await openStore(file);
  t.after(() => store.close());
  await store.plans.create({ name: 'often', destination: null, schedule: '* * * * * *', excludes: [], items: [{ sourcePath: tempDir(t), archivePath: 'src' }] });
  return { file, store };
}

function startWorker(t: TestContext, file: string, leaseTtlMs: number): SchedulerProcess {
  const process = new SchedulerProcess(file, leaseTtlMs);
  t.after(() => process.stop());
  return process;
}

async function runs(store: Store): Promise<{ owner_pid: number; status: string }[]> {
  return withRawDatabase(store.file, (db) => db.all('SELECT owner_pid, status FROM runs ORDER BY id'));
}

// A lease far longer than the test: the holder keeps it however slow the machine.
test('two scheduler processes over one database: one holds the lease, and each slot runs once', async (t) => {
  const { file, store } = await databaseWithPlan(t);
  const first = startWorker(t, file, 600_000);
  assert.equal((await first.next('started')).holder, true);
  const second = startWorker(t, file, 600_000);
  assert.equal((await second.next('started')).holder, false);

  for (let slot = 0; slot < 3; slot++) await first.next('run-finished');
  await second.stop();
  await first.stop();

  assert.deepEqual(second.slotsStarted(), []);
  const slots = first.slotsStarted();
  assert.equal(new Set(slots).size, slots.length, 'no slot started twice');
  const recorded = await runs(store);
  assert.equal(recorded.length, slots.length);
  assert.ok(recorded.every((run) => run.owner_pid === first.pid && run.status === 'succeeded'));
  assert.deepEqual([...first.errors(), ...second.errors()], []);
});

// A holder that dies (window closed by force, process killed) stops renewing
// its lease; the next process takes over at its next heartbeat, since the
// lease names the holder's process and that process is gone. (A holder frozen
// mid-transaction would hold SQLite's write lock too, so killing is the
// faithful way to make a lease stale from outside; stepping down on finding
// the lease gone is covered in test/unit/schedule-scheduler.test.ts.) The
// lease is renewed every 3 s and lasts 9 s: a live holder keeps it through a
// 6 s stall.
test('a lease holder that dies is taken over, and no slot runs twice', async (t) => {
  const { file, store } = await databaseWithPlan(t);
  const leaseTtlMs = 9000;
  const first = startWorker(t, file, leaseTtlMs);
  assert.equal((await first.next('started')).holder, true);
  const second = startWorker(t, file, leaseTtlMs);
  assert.equal((await second.next('started')).holder, false);

  await first.next('run-finished');
  first.kill();
  await first.stop();
  await second.next('lease-acquired');
  for (let slot = 0; slot < 3; slot++) await second.next('run-finished');
  await second.stop();

  const slots = [...first.slotsStarted(), ...second.slotsStarted()];
  assert.equal(new Set(slots).size, slots.length, `no slot started twice: ${slots.join(', ')}`);
  const recorded = await runs(store);
  assert.equal(recorded.filter((run) => run.owner_pid === second.pid).length, second.slotsStarted().length);
  assert.ok(second.slotsStarted().length >= 3);
  assert.deepEqual(second.errors(), []);
});
