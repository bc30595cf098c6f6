/** What a schedule spec means, for any front end: its summary and its next run times. */
import { describeSchedule, nextRuns, parseSchedule } from '../schedule';

export interface SchedulePreview {
  /** The spec in canonical form, as it would be stored. */
  spec: string;
  /** E.g. "every day at 02:00 (local time, Europe/Berlin)". */
  summary: string;
  /** The next times it fires after `from`; none for a manual plan. */
  nextRuns: Date[];
}

/** A bad spec is refused with a UserError that shows good ones. */
export function previewSchedule(spec: string, from: Date, count = 3): SchedulePreview {
  const schedule = parseSchedule(spec);
  return { spec: schedule.spec, summary: describeSchedule(schedule), nextRuns: nextRuns(schedule, from, count) };
}
