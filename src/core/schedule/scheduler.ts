/**
 * The scheduler: one node-schedule job per enabled plan, run only by the
 * process that holds the "scheduler" lease, so that several editor windows
 * and a CLI daemon over one database start each slot once
 * (docs/SCHEDULING.md).
 *
 * A heartbeat every third of the lease's TTL renews the lease (or tries to
 * take it over), re-reads the plans so edits made by any process re-plan the
 * jobs, and notices the wall clock jumping: timers run on a clock that stops
 * while the machine sleeps, so after a wake the jobs are planned afresh and
 * missed slots caught up.
 *
 * The scheduler does not know how a backup is done: `runPlan` does it, and
 * records each attempt in the runs table, which is where catch-up looks.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { scheduleJob, type Job } from 'node-schedule';
import type { Plan, Store } from '../store';
import { missedSlot } from './catch-up';
import { defaultLeaseTtlMs, tryWithPlanRunLease } from './plan-run-lease';
import { defaultRetryDelaysMs, runWithRetries, type RunPlanOutcome } from './retry';
import { nextRuns, parseSchedule, type Schedule } from './spec';

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
  /** How long the scheduler's lease, and each run's plan lease, outlive a silent holder. */
  leaseTtlMs?: number;
  /** Pauses between attempts when the peer is away; the last repeats. */
  retryDelaysMs?: readonly number[];
  /** Catch-up waits this long after the lease is taken, so an opening editor settles first. */
  catchUpDelayMs?: number;
  onEvent?: (event: SchedulerEvent) => void;
}

export const schedulerLeaseName = 'scheduler';

interface PlannedJob {
  /** The spec the job was planned from; a different one means re-plan. */
  spec: string;
  /** Undefined for a manual plan or an unusable spec. */
  job: Job | undefined;
}

export class Scheduler {
  private readonly store: Store;
  private readonly runPlan: RunPlan;
  private readonly now: () => number;
  private readonly leaseTtlMs: number;
  private readonly beatMs: number;
  private readonly retryDelaysMs: readonly number[];
  private readonly catchUpDelayMs: number;
  private readonly onEvent: (event: SchedulerEvent) => void;
  /** Random per instance: two windows of one user are still two holders. */
  private readonly holder = randomUUID();

  /** Set while this instance holds the lease; aborted when it loses it or stops. */
  private tenure: AbortController | undefined;
  private readonly jobs = new Map<number, PlannedJob>();
  /** Plans this process is running now, so a slot never starts a second run beside one. */
  private readonly inFlight = new Set<number>();
  /** Runs and pending catch-ups, awaited by stop(). */
  private readonly pending = new Set<Promise<void>>();
  /** Aborts runs in progress when the scheduler stops. */
  private readonly stopping = new AbortController();
  private syncQueue: Promise<void> = Promise.resolve();
  private beatTimer: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();
  /** When the previous heartbeat ended: the next should start beatMs later. */
  private lastBeatEnd: number | undefined;
  private started = false;
  private stopped = false;

  constructor(options: SchedulerOptions) {
    this.store = options.store;
    this.runPlan = options.runPlan;
    this.now = options.now ?? Date.now;
    this.leaseTtlMs = options.leaseTtlMs ?? defaultLeaseTtlMs;
    this.beatMs = this.leaseTtlMs / 3;
    this.retryDelaysMs = options.retryDelaysMs ?? defaultRetryDelaysMs;
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
    this.lastBeatEnd = this.now();
    if (!this.stopped) this.beatTimer = setTimeout(() => void this.beat(), this.beatMs);
  }

  private async heartbeat(): Promise<void> {
    // A beat starts beatMs after the last one ended; far later (or earlier than
    // it ended) means the machine slept or the clock was set. A slow database
    // delays the end of a beat, not the wait between beats, so it is no jump.
    const sinceLast = this.lastBeatEnd === undefined ? undefined : this.now() - this.lastBeatEnd;
    const jumped = sinceLast !== undefined && (sinceLast < 0 || sinceLast > 2 * this.beatMs);
    if (jumped) this.emit({ type: 'clock-jumped', byMs: sinceLast - this.beatMs });

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
   * Brings the jobs in line with the plans: a job per enabled plan, planned
   * again when its spec changed, or for all plans when `replanAll` (after a
   * clock jump). Serialized, so two syncs never plan one plan twice.
   */
  private syncJobs(replanAll: boolean): Promise<void> {
    const sync = this.syncQueue.then(async () => {
      const plans = await this.store.plans.list();
      if (!this.tenure) return;
      const enabled = new Map(plans.filter((plan) => plan.enabled).map((plan) => [plan.id, plan]));
      for (const [planId, planned] of this.jobs) {
        if (replanAll || enabled.get(planId)?.schedule !== planned.spec) {
          planned.job?.cancel();
          this.jobs.delete(planId);
        }
      }
      for (const plan of enabled.values()) {
        if (!this.jobs.has(plan.id)) this.jobs.set(plan.id, { spec: plan.schedule, job: this.planJob(plan) });
      }
    });
    this.syncQueue = sync.catch(() => undefined);
    return sync;
  }

  private planJob(plan: Plan): Job | undefined {
    const schedule = this.usableSchedule(plan, true);
    if (schedule?.kind !== 'cron') return undefined;
    return scheduleJob(schedule.cron, (fireDate) => this.serve(plan, fireDate, 'scheduled')) ?? undefined;
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
    const at = this.now();
    const due: string[] = [];
    for (const plan of await this.store.plans.list()) {
      const schedule = plan.enabled ? this.usableSchedule(plan, false) : undefined;
      if (!schedule) continue;
      const slot = missedSlot(schedule, plan, await this.store.runs.lastSucceededStart(plan.id), at);
      if (slot && !tenure.signal.aborted) {
        due.push(plan.name);
        this.serve(plan, slot, 'catch-up');
      }
    }
    this.emit({ type: 'caught-up', plans: due });
  }

  /** Starts serving one slot of a plan in the background. */
  private serve(plan: Plan, slot: Date, reason: RunReason): void {
    const tenure = this.tenure;
    if (!tenure) return;
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
    const claimed = await tryWithPlanRunLease(this.store, plan.id, () => this.attempts(plan, schedule, slot, reason, tenure), this.leaseTtlMs);
    if (!claimed.ran) this.emit({ type: 'run-skipped', plan: plan.name, why: 'it is already running in another window or process' });
  }

  /** Runs the plan for one slot, retrying a peer that is away until the next slot comes. */
  private attempts(plan: Plan, schedule: Schedule, slot: Date, reason: RunReason, tenure: AbortController): Promise<RunPlanOutcome> {
    const [nextSlot] = nextRuns(schedule, slot, 1);
    const attempt = (attemptNumber: number) => {
      this.emit({ type: 'run-started', plan: plan.name, reason, slot, attempt: attemptNumber });
      return this.runPlan(plan.name, this.stopping.signal);
    };
    return runWithRetries(attempt, {
      delaysMs: this.retryDelaysMs,
      until: nextSlot.getTime(),
      now: this.now,
      signal: tenure.signal,
      onAttempted: (outcome, attemptNumber, retryInMs) => this.emit({ type: 'run-finished', plan: plan.name, attempt: attemptNumber, outcome, retryInMs }),
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
    for (const planned of this.jobs.values()) planned.job?.cancel();
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
