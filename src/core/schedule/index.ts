/** Schedules: specs and their previews, the scheduler, and the lease that keeps a plan to one run at a time. */
export { describeSchedule, localTimeZone, nextRuns, parseSchedule, previousRun, type Schedule } from './spec';
export { Scheduler, type RunPlan, type RunReason, type SchedulerEvent, type SchedulerOptions } from './scheduler';
export type { RunPlanOutcome } from './run-outcome';
export { isPlanRunning, tryWithPlanRunLease } from './plan-run-lease';
export { outcomeOf } from './run-outcome';
export { duePlans, type DuePlan, type DuePlans } from './due';
