/**
 * The scheduler: a slot timer per enabled plan, run only by the
 * process that holds the "scheduler" lease, so that several editor windows
 * and a CLI daemon over one database start each slot once
 * (docs/SCHEDULING.md).
 *
 * A heartbeat every third of the lease's TTL renews the lease (or tries to
 * take it over), re-reads the plans so edits made by any process re-plan the
 * timers, and notices the wall clock jumping: timers run on a clock that stops
 * while the machine sleeps, so after a wake the timers are planned afresh and
 * missed slots caught up.
 *
 * The scheduler does not know how a backup is done: `runPlan` does it, and
 * records each attempt in the runs table, which is where catch-up looks.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Mutex } from 'async-mutex';
import type { Plan, Store } from '../store';
import { newLeaseHolder } from '../store/leases';
import { duePlans } from './due';
import { defaultLeaseTtlMs, tryWithPlanRunLease } from './plan-run-lease';
import { retrying } from '../retry';
import type { RunPlanOutcome } from './run-outcome';
import { fireAtSlots, type SlotTimer } from './slot-timer';
import { nextRun, parseSchedule, type CronSchedule, type Schedule } from './spec';

export type RunPlan = (planName: string, signal: AbortSignal) => Promise<RunPlanOutcome>;

export type RunReason = 'scheduled' | 'catch-up';

export type SchedulerEvent =
  | { type: 'lease-acquired' }
  | { type: 'lease-lost' }
  | { type: 'clock-jumped'; byMs: number }
  | { type: 'caught-up'; plans: string[] }
  | { type: 'run-started'; plan: string; reason: RunReason; slot: Date; attempt: number }
  /** `retryInMs` is set when the attempt failed and another will follow. */
  | { type: 'run-finished'; plan: string; attempt: number; outcome: RunPlanOutcome; retryInMs: number | undefined }
  | { type: 'run-skipped'; plan: string; why: string }
  | { type: 'error'; error: Error };

export interface SchedulerOptions {
  store: Store;
  runPlan: RunPlan;
  /** The wall clock (ms) for due-ness and jump detection; tests pass their own. */
  now?: () => number;
  /** Time passed (ms) on a clock that is never set and, like timers, stops while the machine sleeps; tests pass their own. */
  elapsed?: () => number;
  /** How long the scheduler's lease, and each run's plan lease, outlive a silent holder. */
  leaseTtlMs?: number;
  /** Pauses between attempts when the peer is away (the last repeats); the caller's retry policy. */
  retryDelaysMs: readonly number[];
  /** Catch-up waits this long after the lease is taken, so an opening editor settles first. */
  catchUpDelayMs?: number;
  onEvent?: (event: SchedulerEvent) => void;
}

export const schedulerLeaseName = 'scheduler';

interface PlannedJob {
  /** The spec the job was planned from; a different one means re-plan. */
  spec: string;
  /** Undefined for a manual plan or an unusable spec. */
  timer: SlotTimer | undefined;
}

export class Scheduler {
  private readonly store: Store;
  private readonly runPlan: RunPlan;
  private readonly now: () => number;
  private readonly elapsed: () => number;
  private readonly leaseTtlMs: number;
  private readonly beatMs: number;
  private readonly retryDelaysMs: readonly number[];
  private readonly catchUpDelayMs: number;
  private readonly onEvent: (event: SchedulerEvent) => void;
  /** Per instance: two windows of one user are still two holders. */
  private readonly holder = newLeaseHolder();

  /** Set while this instance holds the lease; aborted when it loses it or stops. */
  private tenure: AbortController | undefined;
  private readonly jobs = new Map<number, PlannedJob>();
  /** Plans this process is running now, so a slot never starts a second run beside one. */
  private readonly inFlight = new Set<number>();
  /** The latest slot served per plan: a timer and catch-up can name the same slot, and it runs once. */
  private readonly servedUpTo = new Map<number, number>();
  /** Runs and pending catch-ups, awaited by stop(). */
  private readonly pending = new Set<Promise<void>>();
  /** Aborts runs in progress when the scheduler stops. */
  private readonly stopping = new AbortController();
  /** Held while the jobs are brought in line with the plans, so two syncs never plan one plan twice. */
  private readonly planning = new Mutex();
  private beatTimer: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();
  /** Wall-clock time minus elapsed time at the previous beat: it moves only when the wall clock jumps. */
  private clockOffset: number | undefined;
  private started = false;
  private stopped = false;

  constructor(options: SchedulerOptions) {
    this.store = options.store;
    this.runPlan = options.runPlan;
    this.now = options.now ?? Date.now;
    this.elapsed = options.elapsed ?? (() => performance.now());
    this.leaseTtlMs = options.leaseTtlMs ?? defaultLeaseTtlMs;
    this.beatMs = this.leaseTtlMs / 3;
    this.retryDelaysMs = options.retryDelaysMs;
    this.catchUpDelayMs = options.catchUpDelayMs ?? 10_000;
    this.onEvent = options.onEvent ?? (() => undefined);
  }

  /** True while this instance is the one that schedules. */
  get isLeaseHolder(): boolean {
    return this.tenure !== undefined;
  }

  /** Takes the lease if it is free or stale, and keeps trying every beat if not. */
  async start(): Promise<void> {
    if (this.started) throw new Error('Scheduler.start() called twice');
    this.started = true;
    await this.beat();
  }

  /** Re-reads the plans now; call after changing a plan in this process (other processes' changes arrive with the next beat). */
  async replan(): Promise<void> {
    if (this.tenure) await this.syncJobs(false);
  }

  /** Cancels the jobs, aborts runs in progress, waits for them, and frees the lease for the next window. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.beatTimer);
    await this.beating;
    this.endTenure();
    this.stopping.abort();
    await Promise.allSettled([...this.pending]);
    await this.store.leases.release(schedulerLeaseName, this.holder);
  }

  private async beat(): Promise<void> {
    this.beating = this.heartbeat().catch((err: unknown) => this.emit({ type: 'error', error: asError(err) }));
    await this.beating;
    if (!this.stopped) this.beatTimer = setTimeout(() => void this.beat(), this.beatMs);
  }

  private async heartbeat(): Promise<void> {
    const jumpMs = this.clockJump();
    const jumped = Math.abs(jumpMs) > this.beatMs;
    if (jumped) this.emit({ type: 'clock-jumped', byMs: Math.round(jumpMs) });

    const held = await this.store.leases.acquire(schedulerLeaseName, this.holder, this.leaseTtlMs);
    if (this.stopped) return;
    if (!held) {
      if (this.tenure) this.loseLease();
      return;
    }
    if (!this.tenure) {
      this.tenure = new AbortController();
      this.emit({ type: 'lease-acquired' });
      await this.syncJobs(false);
      this.catchUpSoon(this.tenure);
      return;
    }
    await this.syncJobs(jumped);
    if (jumped) this.catchUpSoon(this.tenure);
  }

  /**
   * How far the wall clock moved since the previous beat beyond the time that
   * passed: the machine slept (timers and elapsed time stood still) or the
   * clock was set. A late beat on a busy machine moves both clocks alike, and
   * a jump during a beat counts at the next.
   */
  private clockJump(): number {
    const offset = this.now() - this.elapsed();
    const jump = this.clockOffset === undefined ? 0 : offset - this.clockOffset;
    this.clockOffset = offset;
    return jump;
  }

  /**
   * Brings the jobs in line with the plans: a job per enabled plan, planned
   * again when its spec changed, or for all plans when `replanAll` (after a
   * clock jump).
   */
  private syncJobs(replanAll: boolean): Promise<void> {
    return this.planning.runExclusive(async () => {
      const plans = await this.store.plans.list();
      if (!this.tenure) return;
      const enabled = new Map(plans.filter((plan) => plan.enabled).map((plan) => [plan.id, plan]));
      for (const [planId, planned] of this.jobs) {
        if (replanAll || enabled.get(planId)?.schedule !== planned.spec) {
          planned.timer?.cancel();
          this.jobs.delete(planId);
        }
      }
      for (const plan of enabled.values()) {
        if (!this.jobs.has(plan.id)) this.jobs.set(plan.id, { spec: plan.schedule, timer: this.planJob(plan) });
      }
    });
  }

  private planJob(plan: Plan): SlotTimer | undefined {
    const schedule = this.usableSchedule(plan, true);
    if (schedule?.kind !== 'cron') return undefined;
    return fireAtSlots(schedule, (slot) => this.serve(plan, slot, 'scheduled'));
  }

  /** True while the plan, as stored now, has a job: not disabled, edited or dropped with the lease since. */
  private isPlanned(plan: Plan): boolean {
    return this.jobs.get(plan.id)?.spec === plan.schedule;
  }

  private catchUpSoon(tenure: AbortController): void {
    this.track(
      sleep(this.catchUpDelayMs, undefined, { signal: tenure.signal }).then(
        () => this.catchUp(tenure),
        () => undefined, // lease lost or stopped before catch-up: the next holder catches up
      ),
    );
  }

  private async catchUp(tenure: AbortController): Promise<void> {
    // Plans whose schedule no longer parses were reported when their jobs were planned.
    const { due } = await duePlans(this.store, this.now());
    const caughtUp = tenure.signal.aborted ? [] : due;
    for (const plan of caughtUp) this.serve(plan, plan.missedSlot, 'catch-up');
    this.emit({ type: 'caught-up', plans: caughtUp.map((plan) => plan.name) });
  }

  /** Starts serving one slot of a plan in the background. */
  private serve(plan: Plan, slot: Date, reason: RunReason): void {
    const tenure = this.tenure;
    if (!tenure) return;
    if (slot.getTime() <= (this.servedUpTo.get(plan.id) ?? -Infinity)) return;
    this.servedUpTo.set(plan.id, slot.getTime());
    if (this.inFlight.has(plan.id)) {
      this.emit({ type: 'run-skipped', plan: plan.name, why: 'its previous run is still going' });
      return;
    }
    this.inFlight.add(plan.id);
    this.track(
      this.runSlot(plan.id, slot, reason, tenure).finally(() => {
        this.inFlight.delete(plan.id);
      }),
    );
  }

  private async runSlot(planId: number, slot: Date, reason: RunReason, tenure: AbortController): Promise<void> {
    // A timer may fire late, after this process slept and another took the lease over.
    if (tenure.signal.aborted) return;
    if (!(await this.store.leases.acquire(schedulerLeaseName, this.holder, this.leaseTtlMs))) {
      this.loseLease();
      return;
    }
    const plan = (await this.store.plans.list()).find((each) => each.id === planId);
    const schedule = plan?.enabled ? this.usableSchedule(plan, false) : undefined;
    if (!plan || schedule?.kind !== 'cron') return;
    // Checked in the same step as the first attempt starts: no run starts once the lease is lost or the plan re-planned.
    const run = async () => (tenure.signal.aborted || !this.isPlanned(plan) ? undefined : this.attempts(plan, schedule, slot, reason, tenure));
    const claimed = await tryWithPlanRunLease(this.store, plan.id, run, this.leaseTtlMs);
    if (!claimed.ran) this.emit({ type: 'run-skipped', plan: plan.name, why: 'it is already running in another window or process' });
  }

  /** Runs the plan for one slot, retrying a peer that is away until the next slot comes. */
  private attempts(plan: Plan, schedule: CronSchedule, slot: Date, reason: RunReason, tenure: AbortController): Promise<RunPlanOutcome> {
    const nextSlot = nextRun(schedule, slot);
    const attempt = (attemptNumber: number) => {
      this.emit({ type: 'run-started', plan: plan.name, reason, slot, attempt: attemptNumber });
      return this.runPlan(plan.name, this.stopping.signal);
    };
    return retrying(attempt, {
      policy: { delaysMs: this.retryDelaysMs, until: nextSlot.getTime() },
      shouldRetry: (result) => result.ok && result.value.status === 'failed' && result.value.retryable === true,
      now: this.now,
      signal: tenure.signal,
      onAttempted: (result, attemptNumber, retryInMs) => {
        if (result.ok) this.emit({ type: 'run-finished', plan: plan.name, attempt: attemptNumber, outcome: result.value, retryInMs });
      },
    });
  }

  /** The plan's parsed spec; a spec that no longer parses is reported (once, when planning) and skipped. */
  private usableSchedule(plan: Plan, report: boolean): Schedule | undefined {
    try {
      return parseSchedule(plan.schedule);
    } catch (err) {
      if (report) this.emit({ type: 'error', error: new Error(`plan "${plan.name}" is not scheduled: ${asError(err).message}`) });
      return undefined;
    }
  }

  private loseLease(): void {
    if (!this.tenure) return;
    this.endTenure();
    this.emit({ type: 'lease-lost' });
  }

  /** Stops planning and any waiting between retries; runs in progress finish (or are aborted by stop()). */
  private endTenure(): void {
    this.tenure?.abort();
    this.tenure = undefined;
    for (const planned of this.jobs.values()) planned.timer?.cancel();
    this.jobs.clear();
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((err: unknown) => this.emit({ type: 'error', error: asError(err) }));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  private emit(event: SchedulerEvent): void {
    this.onEvent(event);
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
