/** A plan's retention policy: how many snapshots to keep, by the same rules as restic's forget --keep-* flags. */
export interface RetentionPolicy {
  /** The newest N, whatever their age. */
  last: number;
  /** The newest snapshot of each of the N latest hours (days, weeks, months) that have one. */
  hourly: number;
  daily: number;
  weekly: number;
  monthly: number;
}

/**
 * The default: the newest 10 whatever their age, so runs made close together
 * (a manual run just after a scheduled one) are not thinned at once, then
 * restic's usual spread of hours, days, weeks and months.
 */
export const defaultRetentionPolicy: RetentionPolicy = { last: 10, hourly: 24, daily: 14, weekly: 8, monthly: 12 };

export const retentionRules = ['last', 'hourly', 'daily', 'weekly', 'monthly'] as const;
