/**
 * Which snapshots a retention policy keeps, by restic's rules for forget's
 * --keep-* flags: newest first, a snapshot is kept by a rule when it is the
 * newest of a period (hour, day, ISO week, month) not yet counted, while the
 * rule has periods left; `last` keeps the newest N outright. A snapshot no
 * rule keeps is forgotten. Periods are read in the given time zone, so
 * "daily" means the user's days.
 */
import type { RetentionPolicy } from './policy';

export interface DatedSnapshot {
  snapshotId: string;
  /** Milliseconds since the epoch. */
  storedAt: number;
}

export interface RetentionDecision<T extends DatedSnapshot> {
  /** Newest first, each with the rules that keep it. */
  keep: { snapshot: T; reasons: string[] }[];
  /** Newest first. */
  forget: T[];
}

type Rule = keyof RetentionPolicy;

export function selectSnapshots<T extends DatedSnapshot>(snapshots: T[], policy: RetentionPolicy, timeZone?: string): RetentionDecision<T> {
  const periods = periodReader(timeZone);
  const left: Record<Rule, number> = { ...policy };
  const lastPeriod: Partial<Record<Rule, string>> = {};
  const newestFirst = [...snapshots].sort((a, b) => b.storedAt - a.storedAt || b.snapshotId.localeCompare(a.snapshotId));
  const decision: RetentionDecision<T> = { keep: [], forget: [] };
  for (const snapshot of newestFirst) {
    const of = periods(snapshot.storedAt);
    const reasons: string[] = [];
    for (const rule of ['last', 'hourly', 'daily', 'weekly', 'monthly'] as const) {
      const period = rule === 'last' ? snapshot.snapshotId : of[rule];
      if (left[rule] > 0 && lastPeriod[rule] !== period) {
        lastPeriod[rule] = period;
        left[rule]--;
        reasons.push(rule);
      }
    }
    if (reasons.length > 0) decision.keep.push({ snapshot, reasons });
    else decision.forget.push(snapshot);
  }
  return decision;
}

/** The hour, day, ISO week and month a moment falls in, as comparable labels. */
function periodReader(timeZone: string | undefined): (at: number) => Record<Exclude<Rule, 'last'>, string> {
  const format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit' });
  return (at) => {
    const parts = Object.fromEntries(format.formatToParts(at).map((part) => [part.type, part.value]));
    const [year, month, day] = [Number(parts.year), Number(parts.month), Number(parts.day)];
    const date = `${parts.year}-${parts.month}-${parts.day}`;
    return { hourly: `${date}T${parts.hour}`, daily: date, weekly: isoWeek(year, month, day), monthly: `${parts.year}-${parts.month}` };
  };
}

/** The ISO 8601 week (weeks start on Monday; week 1 holds the year's first Thursday). */
function isoWeek(year: number, month: number, day: number): string {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = (date.getUTCDay() + 6) % 7; // Monday 0
  date.setUTCDate(date.getUTCDate() - weekday + 3); // the Thursday of this week decides its year
  const weekYear = date.getUTCFullYear();
  const week = 1 + Math.floor((date.getTime() - Date.UTC(weekYear, 0, 1)) / (7 * 86_400_000));
  return `${weekYear}-W${String(week).padStart(2, '0')}`;
}
