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

export const defaultRetentionPolicy: RetentionPolicy = { last: 0, hourly: 24, daily: 14, weekly: 8, monthly: 12 };

export const retentionRules = ['last', 'hourly', 'daily', 'weekly', 'monthly'] as const;
