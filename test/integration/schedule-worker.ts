/**
 * A scheduler in a process of its own, for schedule-processes.test.ts: like
 * an editor window or a CLI daemon over a shared database. Its runPlan only
 * records a runs row (owner_pid tells the processes apart). It prints each
 * event as one JSON line, and stops cleanly on SIGTERM.
 *
 * Usage: node --import tsx schedule-worker.ts DATABASE LEASE_TTL_MS
 */
import { Scheduler, type SchedulerEvent } from '../../src/core/schedule/scheduler';
import { openStore } from '../../src/core/store';

async function main(): Promise<void> {
  const [databaseFile, leaseTtlMs] = process.argv.slice(2);
  const store = await openStore(databaseFile);
  const print = (event: SchedulerEvent | { type: 'started'; holder: boolean }) =>
    process.stdout.write(`${JSON.stringify(event.type === 'error' ? { type: 'error', message: event.error.message } : event)}\n`);
  const scheduler = new Scheduler({
    store,
    leaseTtlMs: Number(leaseTtlMs),
    catchUpDelayMs: 0,
    retryDelaysMs: [60_000],
    onEvent: print,
    runPlan: async (planName) => {
      const plan = await store.plans.get(planName);
      const runId = await store.runs.start(plan.id);
      await store.runs.finish(runId, { status: 'succeeded' });
      return { status: 'succeeded' };
    },
  });
  process.once('SIGTERM', () => {
    void scheduler
      .stop()
      .then(() => store.close())
      .then(() => process.exit(0));
  });
  await scheduler.start();
  print({ type: 'started', holder: scheduler.isLeaseHolder });
}

void main();
