/**
 * Run use cases: back up a plan now, the plans that are due, scheduled runs,
 * and the history. Every run holds its plan's run lease, so a plan never
 * runs twice at once in any window or process.
 */
import { UserError } from '../errors';
import { summariseBackups, type BackupSummary } from '../backup-summary';
import { noRetries } from '../retry';
import { runBackup, type RunProgress } from '../runner';
import { duePlans, isPlanRunning, outcomeOf, Scheduler, tryWithPlanRunLease, type RunPlanOutcome, type SchedulerEvent } from '../schedule';
import type { Plan, Run } from '../store';
import type { App } from './app';
import { scheduledRunRetryDelaysMs, watchedRunRetry } from './retry-policies';

export interface RunNowOptions {
  signal?: AbortSignal;
  onProgress?: (progress: RunProgress) => void;
  /** Keep trying an unreachable teammate for about a minute (the default), or fail at once. */
  retry?: boolean;
}

export interface DueRuns {
  runs: Run[];
  /** Due plans not run now, and why (running elsewhere, a schedule that no longer parses). */
  skipped: { plan: string; why: string }[];
}

/** Wraps each scheduled attempt, e.g. in the editor's progress area. */
export type Presenter = (planName: string, run: (onProgress?: (progress: RunProgress) => void) => Promise<Run>) => Promise<Run>;

export interface SchedulerOptions {
  onEvent: (event: SchedulerEvent) => void;
  present?: Presenter;
}

export class RunService {
  private scheduler: Scheduler | undefined;
  /** A start in progress, which stopScheduler() waits for, so a scheduler never starts after it was stopped. */
  private starting: Promise<void> | undefined;

  constructor(private readonly app: App) {}

  /** Backs up `planName` now; an already running plan is the user's error, said plainly. */
  async runNow(planName: string, options: RunNowOptions = {}): Promise<Run> {
    const store = await this.app.store();
    const plan = await store.plans.get(planName);
    const claimed = await tryWithPlanRunLease(store, plan.id, () => this.execute(plan, options));
    if (!claimed.ran) throw alreadyRunning(plan);
    return claimed.value;
  }

  /** Runs every plan whose latest slot passed without a successful run; plans running elsewhere are skipped and reported. */
  async runDue(options: Omit<RunNowOptions, 'retry'> = {}): Promise<DueRuns> {
    const store = await this.app.store();
    const { due, unusable } = await duePlans(store, Date.now());
    const result: DueRuns = { runs: [], skipped: unusable.map(({ plan, reason }) => ({ plan: plan.name, why: reason })) };
    for (const plan of due) {
      if (options.signal?.aborted) break;
      const claimed = await tryWithPlanRunLease(store, plan.id, () => this.execute(plan, { ...options, retry: false }));
      if (claimed.ran) result.runs.push(claimed.value);
      else result.skipped.push({ plan: plan.name, why: 'it is already running in another window or process' });
    }
    return result;
  }

  /** Starts scheduling this home's plans (one scheduler per database runs them; see Scheduler). */
  async startScheduler(options: SchedulerOptions): Promise<void> {
    if (this.scheduler || this.starting) throw new Error('the scheduler is already started');
    this.starting = this.start(options);
    try {
      await this.starting;
    } finally {
      this.starting = undefined;
    }
  }

  private async start(options: SchedulerOptions): Promise<void> {
    const scheduler = new Scheduler({
      store: await this.app.store(),
      retryDelaysMs: scheduledRunRetryDelaysMs,
      runPlan: (planName, signal) => this.runScheduled(planName, signal, options.present),
      onEvent: options.onEvent,
    });
    this.scheduler = scheduler;
    await scheduler.start();
  }

  /**
   * One scheduled attempt. The scheduler holds the plan's run lease and
   * retries by its own policy, so the run tries once; the outcome says
   * whether waiting could help.
   */
  async runScheduled(planName: string, signal: AbortSignal, present: Presenter = (_planName, run) => run()): Promise<RunPlanOutcome> {
    const plan = await this.app.plans.get(planName);
    return outcomeOf(await present(planName, (onProgress) => this.execute(plan, { signal, onProgress, retry: false })));
  }

  /** Re-reads the plans now, after a change in this process (other processes' changes arrive with the next beat). */
  async replan(): Promise<void> {
    await this.scheduler?.replan();
  }

  async stopScheduler(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const scheduler = this.scheduler;
    this.scheduler = undefined;
    await scheduler?.stop();
  }

  /** Newest first; all plans, or the one named. */
  async history(options: { plan?: string; limit?: number } = {}): Promise<Run[]> {
    const store = await this.app.store();
    const plan = options.plan === undefined ? undefined : await store.plans.get(options.plan);
    return store.runs.list({ planId: plan?.id, limit: options.limit });
  }

  async isRunning(plan: Plan): Promise<boolean> {
    return isPlanRunning(await this.app.store(), plan.id);
  }

  /** One line on how backups stand, for a status bar. */
  async summary(now: Date): Promise<BackupSummary> {
    const store = await this.app.store();
    const [plans, runs] = await Promise.all([store.plans.list(), store.runs.list({ limit: 50 })]);
    return summariseBackups(plans, runs, now);
  }

  private async execute(plan: Plan, options: RunNowOptions): Promise<Run> {
    return runBackup(await this.app.runnerContext(), plan.name, {
      signal: options.signal,
      onProgress: options.onProgress,
      retry: options.retry === false ? noRetries : watchedRunRetry,
    });
  }
}

function alreadyRunning(plan: Plan): UserError {
  return new UserError(
    `Plan "${plan.name}" is already running in this or another window, or in the CLI: wait for it to finish ("peer-backup history ${plan.name}" shows it).`,
    { code: 'already-running' },
  );
}
