/**
 * The scheduler over a real SQLite file. Catch-up, retries and wake-ups are
 * driven by clocks the test moves; firing at a slot uses real timers with a
 * seconds-level cron. Tests wait for the events they expect, never for a
 * fixed time, except to watch that something does not happen.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { planRunLeaseName } from '../../src/core/schedule/plan-run-lease';
import type { RunPlanOutcome } from '../../src/core/schedule/run-outcome';
import { Scheduler, schedulerLeaseName, type RunPlan, type SchedulerEvent, type SchedulerOptions } from '../../src/core/schedule/scheduler';
import { openStore, type Store } from '../../src/core/store';
import { tempDir } from '../helpers/temp';
import { withRawDatabase } from '../helpers/raw-database';

const everySecond = '* * * * * *';

/** Generous: a busy machine may take seconds for what usually takes milliseconds. */
const eventTimeoutMs = 30_000;

/** A plan's items: one folder, a temporary one (the scheduler never reads it). */
function itemsIn(t: TestContext) {
  return [{ sourcePath: tempDir(t), archivePath: 'src' }];
}

/**
 * The two clocks a scheduler reads, both following real time until the test
 * moves them: the wall clock, and elapsed time, which stands still while the
 * machine sleeps.
 */
class Clock {
  private wallShift = 0;
  private elapsedShift = 0;
  readonly now = (): number => Date.now() + this.wallShift;
  readonly elapsed = (): number => performance.now() + this.elapsedShift;
  /** Sets the wall clock (before a scheduler starts: with one running, that is a jump). */
  set(date: Date): void {
    this.wallShift = date.getTime() - Date.now();
  }
  /** Time passes, as during a long run: both clocks move. */
  pass(ms: number): void {
    this.wallShift += ms;
    this.elapsedShift += ms;
  }
  /** The machine sleeps: the wall clock moves on, elapsed time does not. */
  sleep(ms: number): void {
    this.wallShift += ms;
  }
}

/** Collects a scheduler's events and waits for the ones a test expects. */
class Events {
  readonly seen: SchedulerEvent[] = [];
  private waiters: { match: (event: SchedulerEvent) => boolean; resolve: (event: SchedulerEvent) => void }[] = [];

  readonly record = (event: SchedulerEvent): void => {
    this.seen.push(event);
    for (const waiter of this.waiters.filter((each) => each.match(event))) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(event);
    }
  };

  /** Where the events seen so far end: `next(..., since)` also finds the events recorded after it. */
  mark(): number {
    return this.seen.length;
  }

  /** The first matching event recorded at or after `since` (by default, from now on). */
  next<T extends SchedulerEvent['type']>(type: T, match: (event: Extract<SchedulerEvent, { type: T }>) => boolean = () => true, since = this.seen.length) {
    const timeoutMs = eventTimeoutMs;
    return new Promise<Extract<SchedulerEvent, { type: T }>>((resolve, reject) => {
      const seen = this.seen.slice(since).find((event) => event.type === type && match(event as Extract<SchedulerEvent, { type: T }>));
      if (seen) return resolve(seen as Extract<SchedulerEvent, { type: T }>);
      const timer = setTimeout(() => reject(new Error(`no ${type} event within ${timeoutMs} ms; saw ${JSON.stringify(this.seen)}`)), timeoutMs);
      this.waiters.push({
        match: (event) => event.type === type && match(event as Extract<SchedulerEvent, { type: T }>),
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event as Extract<SchedulerEvent, { type: T }>);
        },
      });
    });
  }

  of<T extends SchedulerEvent['type']>(type: T, since = 0): Extract<SchedulerEvent, { type: T }>[] {
    return this.seen.slice(since).filter((event) => event.type === type) as Extract<SchedulerEvent, { type: T }>[];
  }

  /** Resolves once every run started so far has finished. */
  async runsSettled(): Promise<void> {
    while (this.of('run-finished').length < this.of('run-started').length) await this.next('run-finished');
  }
}

/** What the real runner does, minus the backup: a runs row from start to finish. */
function recordingRunner(store: Store, decide: (planName: string, signal: AbortSignal) => RunPlanOutcome | Promise<RunPlanOutcome> = () => ({ status: 'succeeded' })): RunPlan {
  return async (planName, signal) => {
    const plan = await store.plans.get(planName);
    const runId = await store.runs.start(plan.id);
    const outcome = await decide(planName, signal);
    await store.runs.finish(runId, { status: outcome.status, error: outcome.error ?? null });
    return outcome;
  };
}

/** Cleanups run last-in first-out, so schedulers stop before their stores close. */
const cleanups = new WeakMap<TestContext, (() => Promise<void>)[]>();
function defer(t: TestContext, cleanup: () => Promise<void>): void {
  let list = cleanups.get(t);
  if (!list) {
    const created: (() => Promise<void>)[] = [];
    cleanups.set(t, created);
    t.after(async () => {
      for (const each of created.reverse()) await each();
    });
    list = created;
  }
  list.push(cleanup);
}

async function openTestStore(t: TestContext, clock: Clock, file = join(tempDir(t), 'peer-backup.db')): Promise<Store> {
  const store = await openStore(file, clock.now);
  defer(t, () => store.close());
  return store;
}

function startScheduler(t: TestContext, clock: Clock, options: Omit<SchedulerOptions, 'now' | 'elapsed' | 'retryDelaysMs'> & Partial<Pick<SchedulerOptions, 'retryDelaysMs'>>): Scheduler {
  const scheduler = new Scheduler({ leaseTtlMs: 1500, catchUpDelayMs: 0, retryDelaysMs: [5], now: clock.now, elapsed: clock.elapsed, ...options });
  defer(t, () => scheduler.stop());
  return scheduler;
}

async function runsOf(store: Store, planName: string) {
  const plan = await store.plans.get(planName);
  return (await store.runs.list({ planId: plan.id })).reverse();
}

test('a due plan runs at its slot; a manual plan does not', async (t) => {
  const clock = new Clock();
  const store = await openTestStore(t, clock);
  await store.plans.create({ name: 'often', destination: null, schedule: everySecond, excludes: [], items: itemsIn(t) });
  await store.plans.create({ name: 'by-hand', destination: null, schedule: 'manual', excludes: [], items: itemsIn(t) });
  const events = new Events();
  const scheduler = startScheduler(t, clock, { store, runPlan: recordingRunner(store), onEvent: events.record });
  await scheduler.start();
  assert.equal(scheduler.isLeaseHolder, true);

  // (On a slow start a second may have passed since the plan was made: that slot is caught up first.)
  await events.next('run-started', (event) => event.plan === 'often' && event.reason === 'scheduled', 0);
  await events.next('run-finished', (event) => event.plan === 'often', 0);
  await scheduler.stop();
  assert.ok((await runsOf(store, 'often')).every((run) => run.status === 'succeeded'));
  assert.ok((await runsOf(store, 'often')).length >= 1);
  assert.equal((await runsOf(store, 'by-hand')).length, 0);
});

test('a plan whose slot passed while nothing ran is caught up exactly once, and again after a wake', async (t) => {
  const clock = new Clock();
  clock.set(new Date(2030, 0, 7, 1, 0)); // Monday 01:00
  const store = await openTestStore(t, clock);
  await store.plans.create({ name: 'nightly', destination: null, schedule: 'daily 02:00', excludes: [], items: itemsIn(t) });
  clock.set(new Date(2030, 0, 9, 9, 30)); // Wednesday 09:30: Monday's, Tuesday's and Wednesday's 02:00 all missed

  const firstEvents = new Events();
  const first = startScheduler(t, clock, { store, runPlan: recordingRunner(store), onEvent: firstEvents.record });
  await first.start();
  assert.deepEqual((await firstEvents.next('caught-up', undefined, 0)).plans, ['nightly']);
  const started = await firstEvents.next('run-started', undefined, 0);
  assert.equal(started.reason, 'catch-up');
  assert.deepEqual(started.slot, new Date(2030, 0, 9, 2, 0));
  await first.stop();
  assert.deepEqual((await runsOf(store, 'nightly')).map((run) => run.status), ['succeeded']);

  // The editor opens again the same morning: nothing left to catch up.
  const secondEvents = new Events();
  const second = startScheduler(t, clock, { store, runPlan: recordingRunner(store), onEvent: secondEvents.record });
  await second.start();
  assert.deepEqual((await secondEvents.next('caught-up', undefined, 0)).plans, []);
  assert.equal((await runsOf(store, 'nightly')).length, 1);

  // The machine sleeps until Thursday 09:30 and wakes: the jump is noticed at the next beat, whenever it falls.
  const wake = secondEvents.mark();
  clock.sleep(24 * 3600_000);
  const jumped = await secondEvents.next('clock-jumped', undefined, wake);
  assert.ok(Math.abs(jumped.byMs - 24 * 3600_000) < 1000, `jumped by ${jumped.byMs} ms`);
  assert.deepEqual((await secondEvents.next('caught-up', undefined, wake)).plans, ['nightly']);
  const woke = await secondEvents.next('run-finished', undefined, wake);
  assert.equal(woke.outcome.status, 'succeeded');
  assert.equal((await runsOf(store, 'nightly')).length, 2);
  assert.equal(secondEvents.of('clock-jumped').length, 1);
});

test('catch-up leaves alone disabled and manual plans, plans created after the slot, and plans that succeeded since', async (t) => {
  const clock = new Clock();
  clock.set(new Date(2030, 0, 7, 1, 0));
  const store = await openTestStore(t, clock);
  await store.plans.create({ name: 'missed', destination: null, schedule: 'daily 02:00', excludes: [], items: itemsIn(t) });
  await store.plans.create({ name: 'disabled', destination: null, schedule: 'daily 02:00', enabled: false, excludes: [], items: itemsIn(t) });
  await store.plans.create({ name: 'by-hand', destination: null, schedule: 'manual', excludes: [], items: itemsIn(t) });
  const done = await store.plans.create({ name: 'done', destination: null, schedule: 'daily 02:00', excludes: [], items: itemsIn(t) });
  clock.set(new Date(2030, 0, 7, 8, 0));
  await store.runs.finish(await store.runs.start(done.id), { status: 'succeeded' }); // "Run now" at 08:00
  clock.set(new Date(2030, 0, 7, 9, 0));
  await store.plans.create({ name: 'new', destination: null, schedule: 'daily 02:00', excludes: [], items: itemsIn(t) });
  clock.set(new Date(2030, 0, 7, 9, 30));

  const events = new Events();
  const scheduler = startScheduler(t, clock, { store, runPlan: recordingRunner(store), onEvent: events.record });
  await scheduler.start();
  assert.deepEqual((await events.next('caught-up', undefined, 0)).plans, ['missed']);
  await events.next('run-finished', undefined, 0);
  for (const name of ['disabled', 'by-hand', 'new']) assert.equal((await runsOf(store, name)).length, 0, name);
  assert.equal((await runsOf(store, 'done')).length, 1);
});

test('a plan whose stored schedule no longer parses is reported, and the others are still caught up', async (t) => {
  const clock = new Clock();
  clock.set(new Date(2030, 0, 7, 1, 0));
  const store = await openTestStore(t, clock);
  await store.plans.create({ name: 'broken', destination: null, schedule: 'daily 02:00', excludes: [], items: itemsIn(t) });
  await store.plans.create({ name: 'nightly', destination: null, schedule: 'daily 02:00', excludes: [], items: itemsIn(t) });
  await withRawDatabase(store.file, (db) => db.run("UPDATE plans SET schedule = 'fortnightly' WHERE name = 'broken'"));
  clock.set(new Date(2030, 0, 7, 9, 30));

  const events = new Events();
  const scheduler = startScheduler(t, clock, { store, runPlan: recordingRunner(store), onEvent: events.record });
  await scheduler.start();
  assert.deepEqual((await events.next('caught-up', undefined, 0)).plans, ['nightly']);
  await events.next('run-finished', undefined, 0);
  assert.deepEqual(
    events.of('error').map((event) => event.error.message),
    ['plan "broken" is not scheduled: "fortnightly" is not a schedule: use manual, hourly, "daily 02:00", "weekly mon 09:00", "every 15 minutes", or a cron expression such as "30 2 * * 1-5".'],
  );
  assert.equal((await runsOf(store, 'broken')).length, 0);
});

test('a disabled plan never runs at its slots', async (t) => {
  const clock = new Clock();
  const store = await openTestStore(t, clock);
  await store.plans.create({ name: 'on', destination: null, schedule: everySecond, excludes: [], items: itemsIn(t) });
  await store.plans.create({ name: 'off', destination: null, schedule: everySecond, enabled: false, excludes: [], items: itemsIn(t) });
  const events = new Events();
  const scheduler = startScheduler(t, clock, { store, runPlan: recordingRunner(store), onEvent: events.record });
  await scheduler.start();
  await events.next('run-finished', (event) => event.plan === 'on', 0);
  await events.next('run-finished', (event) => event.plan === 'on');
  await scheduler.stop();
  assert.ok((await runsOf(store, 'on')).length >= 2);
  assert.equal((await runsOf(store, 'off')).length, 0);
  assert.ok(events.of('run-started').every((event) => event.plan === 'on'));
});

test('a peer that stays away is retried with backoff until the next slot, each attempt its own run', async (t) => {
  const clock = new Clock();
  clock.set(new Date(2030, 0, 7, 1, 0));
  const store = await openTestStore(t, clock);
  await store.plans.create({ name: 'nightly', destination: null, schedule: 'daily 02:00', excludes: [], items: itemsIn(t) });
  clock.set(new Date(2030, 0, 7, 9, 0));
  // Each attempt takes 8 hours: 09:00, 17:00 and 01:00 start before Tuesday's 02:00 slot; a fourth would not.
  const runPlan = recordingRunner(store, () => {
    clock.pass(8 * 3600_000);
    return { status: 'failed', error: 'peer offline: no answer from 192.0.2.7:7443', retryable: true };
  });
  const events = new Events();
  const scheduler = startScheduler(t, clock, { store, runPlan, onEvent: events.record, retryDelaysMs: [5, 10] });
  await scheduler.start();
  const last = await events.next('run-finished', (event) => event.retryInMs === undefined, 0);
  assert.equal(last.attempt, 3);
  assert.deepEqual(
    events.of('run-finished').map((event) => event.retryInMs),
    [5, 10, undefined],
  );
  const runs = await runsOf(store, 'nightly');
  assert.deepEqual(runs.map((run) => run.status), ['failed', 'failed', 'failed']);
  assert.equal(runs[2].error, 'peer offline: no answer from 192.0.2.7:7443');
});

test('a failure that time will not fix is not retried', async (t) => {
  const clock = new Clock();
  clock.set(new Date(2030, 0, 7, 1, 0));
  const store = await openTestStore(t, clock);
  await store.plans.create({ name: 'nightly', destination: null, schedule: 'daily 02:00', excludes: [], items: itemsIn(t) });
  clock.set(new Date(2030, 0, 7, 9, 0));
  const runPlan = recordingRunner(store, () => ({ status: 'failed', error: 'plan "nightly" has no destination', retryable: false }));
  const events = new Events();
  const scheduler = startScheduler(t, clock, { store, runPlan, onEvent: events.record });
  await scheduler.start();
  const finished = await events.next('run-finished', undefined, 0);
  assert.equal(finished.retryInMs, undefined);
  await scheduler.stop();
  assert.equal((await runsOf(store, 'nightly')).length, 1);
});

test('two schedulers over one database: one holds the lease, and each slot runs once', async (t) => {
  const clock = new Clock();
  const file = join(tempDir(t), 'peer-backup.db');
  const stores = [await openTestStore(t, clock, file), await openTestStore(t, clock, file)];
  await stores[0].plans.create({ name: 'often', destination: null, schedule: everySecond, excludes: [], items: itemsIn(t) });
  const events = [new Events(), new Events()];
  const schedulers = stores.map((store, index) =>
    startScheduler(t, clock, { store, runPlan: recordingRunner(store), onEvent: events[index].record, leaseTtlMs: 60_000 }),
  );
  await Promise.all(schedulers.map((scheduler) => scheduler.start()));
  assert.deepEqual(schedulers.map((scheduler) => scheduler.isLeaseHolder).sort(), [false, true]);

  const holder = schedulers.findIndex((scheduler) => scheduler.isLeaseHolder);
  while (events[holder].of('run-finished').length < 3) await events[holder].next('run-finished');
  await Promise.all(schedulers.map((scheduler) => scheduler.stop()));
  assert.equal(events[1 - holder].of('run-started').length, 0);
  const slots = events[holder].of('run-started').map((event) => event.slot.getTime());
  assert.equal(new Set(slots).size, slots.length, 'no slot started twice');
  assert.equal((await runsOf(stores[0], 'often')).length, slots.length);
});

test('a stale lease is taken over, and the old holder stops scheduling when it finds the lease gone', async (t) => {
  const clock = new Clock();
  const store = await openTestStore(t, clock);
  await store.plans.create({ name: 'often', destination: null, schedule: everySecond, excludes: [], items: itemsIn(t) });
  // A holder that went silent (its window froze) with 1 s left on its lease.
  await store.leases.acquire(schedulerLeaseName, 'frozen-window', 1000);
  const staleAt = (await store.leases.current(schedulerLeaseName))!.expiresAt;

  const events = new Events();
  const scheduler = startScheduler(t, clock, { store, runPlan: recordingRunner(store), onEvent: events.record, leaseTtlMs: 300 });
  await scheduler.start();
  assert.equal(scheduler.isLeaseHolder, false);
  await events.next('lease-acquired', undefined, 0);
  assert.ok(Date.now() >= staleAt, 'not taken before it expired');
  await events.next('run-finished', undefined, 0);

  // Another process takes the lease (as if this one had slept past it): this one steps down.
  await withRawDatabase(store.file, (db) => db.run('UPDATE leases SET holder = ?, expires_at = ? WHERE name = ?', ['other-window', Date.now() + 60_000, schedulerLeaseName]));
  await events.next('lease-lost');
  assert.equal(scheduler.isLeaseHolder, false);
  const lost = events.mark();
  await sleep(2200); // two more slots come: nothing may start at them
  await events.runsSettled();
  assert.deepEqual(events.of('run-started', lost), []);
  assert.equal((await runsOf(store, 'often')).length, events.of('run-started').length);
});

test('a plan already running in another process is skipped, not run twice', async (t) => {
  const clock = new Clock();
  const store = await openTestStore(t, clock);
  const plan = await store.plans.create({ name: 'often', destination: null, schedule: everySecond, excludes: [], items: itemsIn(t) });
  await store.leases.acquire(planRunLeaseName(plan.id), 'cli-run-now', 60_000);
  const events = new Events();
  const scheduler = startScheduler(t, clock, { store, runPlan: recordingRunner(store), onEvent: events.record });
  await scheduler.start();
  const skipped = await events.next('run-skipped');
  assert.match(skipped.why, /already running in another window or process/);
  await scheduler.stop();
  assert.equal((await runsOf(store, 'often')).length, 0);
});

test('changing a plan re-plans it: manual to every second runs, disabling stops it', async (t) => {
  const clock = new Clock();
  const store = await openTestStore(t, clock);
  await store.plans.create({ name: 'later', destination: null, schedule: 'manual', excludes: [], items: itemsIn(t) });
  const events = new Events();
  const scheduler = startScheduler(t, clock, { store, runPlan: recordingRunner(store), onEvent: events.record });
  await scheduler.start();
  const planned = events.mark();
  await store.plans.update('later', { schedule: everySecond });
  await scheduler.replan();
  await events.next('run-finished', (event) => event.plan === 'later', planned);

  await store.plans.update('later', { enabled: false });
  await scheduler.replan();
  const disabled = events.mark();
  await sleep(1500); // a slot or two come: nothing may start at them
  await events.runsSettled();
  assert.deepEqual(events.of('run-started', disabled), []);
  assert.equal((await runsOf(store, 'later')).length, events.of('run-started').length);
});

test('stop() aborts the run in progress and frees the lease for the next window', async (t) => {
  const clock = new Clock();
  const store = await openTestStore(t, clock);
  await store.plans.create({ name: 'long', destination: null, schedule: everySecond, excludes: [], items: itemsIn(t) });
  const runPlan = recordingRunner(
    store,
    (_name, signal) =>
      new Promise<RunPlanOutcome>((resolve) => {
        const cancelled = () => resolve({ status: 'cancelled', error: 'cancelled' });
        if (signal.aborted) cancelled();
        else signal.addEventListener('abort', cancelled);
      }),
  );
  const events = new Events();
  const scheduler = startScheduler(t, clock, { store, runPlan, onEvent: events.record });
  await scheduler.start();
  await events.next('run-started', undefined, 0);
  await scheduler.stop();
  assert.deepEqual((await runsOf(store, 'long')).map((run) => run.status), ['cancelled']);
  assert.equal(await store.leases.current(schedulerLeaseName), undefined);
});
