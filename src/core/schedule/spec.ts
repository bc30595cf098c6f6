/**
 * Schedule specs: the words a user types for "when" (presets or a cron
 * expression) and the cron expression each one fires on. nextRun is the one
 * answer to "when next": previews list its answers and the scheduler fires at
 * them (slot-timer.ts), so the times a user is shown are the times that fire.
 * All times are local.
 */
import { parseExpression } from 'cron-parser';
import { UserError } from '../errors';
import { manualSchedule } from '../defaults';

export type Schedule =
  | { kind: 'manual'; spec: string; summary: string }
  | {
      kind: 'cron';
      /** The spec in canonical form, as it is stored. */
      spec: string;
      /** 5 fields, or 6 with seconds first. */
      cron: string;
      summary: string;
    };

export type CronSchedule = Extract<Schedule, { kind: 'cron' }>;

const examples = 'manual, hourly, "daily 02:00", "weekly mon 09:00", "every 15 minutes", or a cron expression such as "30 2 * * 1-5"';

const dayNames = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** Parses and validates a spec; a bad one is refused with examples of good ones. */
export function parseSchedule(text: string): Schedule {
  const spec = text.trim().replace(/\s+/g, ' ');
  const lower = spec.toLowerCase();
  if (lower === manualSchedule) return { kind: 'manual', spec: manualSchedule, summary: 'only when asked' };
  if (lower === 'hourly') return cron('hourly', '0 * * * *', 'every hour, on the hour');

  const daily = /^daily (\d{1,2}):(\d{2})$/.exec(lower);
  if (daily) {
    const time = clockTime(spec, daily[1], daily[2]);
    return cron(`daily ${time.text}`, `${time.minute} ${time.hour} * * *`, `every day at ${time.text}`);
  }

  const weekly = /^weekly ([a-z]+) (\d{1,2}):(\d{2})$/.exec(lower);
  if (weekly) {
    const day = weekday(spec, weekly[1]);
    const time = clockTime(spec, weekly[2], weekly[3]);
    const name = dayNames[day];
    return cron(`weekly ${name.slice(0, 3)} ${time.text}`, `${time.minute} ${time.hour} * * ${day}`, `every ${capitalize(name)} at ${time.text}`);
  }

  const every = /^every (\d+) minutes?$/.exec(lower);
  if (every) return everyMinutes(spec, Number(every[1]));

  const fields = spec.split(' ');
  if (/^[\d*]/.test(spec) && (fields.length === 5 || fields.length === 6)) return rawCron(spec);

  throw new UserError(`"${text}" is not a schedule: use ${examples}.`);
}

/** The first time the schedule fires strictly after `after`. */
export function nextRun(schedule: CronSchedule, after: Date): Date {
  return parseExpression(schedule.cron, { currentDate: after }).next().toDate();
}

/** The next `count` times the schedule fires after `from`, each found from the one before as the scheduler does; none for a manual plan. */
export function nextRuns(schedule: Schedule, from: Date, count: number): Date[] {
  if (schedule.kind === 'manual') return [];
  const runs: Date[] = [];
  for (let after = from; runs.length < count; after = runs[runs.length - 1]) runs.push(nextRun(schedule, after));
  return runs;
}

/** The latest time the schedule fired strictly before `before`; undefined for a manual plan. */
export function previousRun(schedule: Schedule, before: Date): Date | undefined {
  if (schedule.kind === 'manual') return undefined;
  return parseExpression(schedule.cron, { currentDate: before }).prev().toDate();
}

/** Human text, e.g. "every day at 02:00 (local time, Europe/Berlin)". */
export function describeSchedule(schedule: Schedule): string {
  if (schedule.kind === 'manual') return `${schedule.spec}: runs ${schedule.summary}`;
  return `${schedule.summary} (local time, ${localTimeZone()})`;
}

export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

function cron(spec: string, expression: string, summary: string): Schedule {
  return { kind: 'cron', spec, cron: expression, summary };
}

/**
 * "every N minutes" becomes a plain cron step, so runs sit on the same clock
 * times every hour (or day) instead of drifting from whenever the editor
 * opened. That needs N to divide an hour (1-30) or, in whole hours, a day.
 */
function everyMinutes(spec: string, minutes: number): Schedule {
  if (minutes < 1) throw new UserError(`"${spec}" never fires: use at least "every 1 minute".`);
  const canonical = `every ${minutes} minute${minutes === 1 ? '' : 's'}`;
  if (minutes === 1) return cron(canonical, '* * * * *', 'every minute');
  if (minutes < 60 && 60 % minutes === 0) return cron(canonical, `*/${minutes} * * * *`, `${canonical}, counted from the top of the hour`);
  const hours = minutes / 60;
  if (Number.isInteger(hours) && hours >= 1 && 24 % hours === 0) {
    const hourField = hours === 1 ? '*' : hours === 24 ? '0' : `*/${hours}`;
    return cron(canonical, `0 ${hourField} * * *`, `${canonical}, counted from midnight`);
  }
  throw new UserError(
    `"${spec}" does not divide an hour or a day evenly: use every 1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30 minutes, or 60, 120, 180, 240, 360, 480, 720 or 1440; for other times, a cron expression such as "0 9-17 * * 1-5" (on the hour, 9 to 17, weekdays).`,
  );
}

function rawCron(spec: string): Schedule {
  let expression;
  try {
    expression = parseExpression(spec);
  } catch (err) {
    throw new UserError(`"${spec}" is not a valid cron expression (${(err as Error).message}): use 5 fields, minute hour day month weekday, such as "30 2 * * 1-5".`);
  }
  try {
    expression.next();
  } catch {
    throw new UserError(`"${spec}" never fires: choose days that exist, such as "30 2 1 * *" for the 1st of each month.`);
  }
  return cron(spec, spec, `cron "${spec}"`);
}

function clockTime(spec: string, hourText: string, minuteText: string): { hour: number; minute: number; text: string } {
  const hour = Number(hourText);
  const minute = Number(minuteText);
  if (hour > 23 || minute > 59) throw new UserError(`"${spec}" has no such time of day: use 24-hour HH:MM, such as "daily 02:00" or "daily 18:30".`);
  return { hour, minute, text: `${String(hour).padStart(2, '0')}:${minuteText}` };
}

function weekday(spec: string, given: string): number {
  const day = dayNames.findIndex((name) => name === given || name.slice(0, 3) === given);
  if (day < 0) throw new UserError(`"${spec}" names no day of the week: use mon, tue, wed, thu, fri, sat or sun (or the full name), such as "weekly mon 09:00".`);
  return day;
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
