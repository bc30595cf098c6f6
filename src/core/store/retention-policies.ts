/** Each plan's retention policy; a plan without a row keeps the default one. */
import { defaultRetentionPolicy, type RetentionPolicy } from '../retention/policy';
import type { Database } from './database';

interface PolicyRow {
  keep_last: number;
  keep_hourly: number;
  keep_daily: number;
  keep_weekly: number;
  keep_monthly: number;
}

export class RetentionPolicyStore {
  constructor(private readonly db: Database) {}

  async get(planId: number): Promise<RetentionPolicy> {
    const row = await this.db.get<PolicyRow>('SELECT * FROM retention_policies WHERE plan_id = ?', [planId]);
    return row ? { last: row.keep_last, hourly: row.keep_hourly, daily: row.keep_daily, weekly: row.keep_weekly, monthly: row.keep_monthly } : { ...defaultRetentionPolicy };
  }

  async set(planId: number, policy: RetentionPolicy): Promise<void> {
    await this.db.run(
      `INSERT INTO retention_policies (plan_id, keep_last, keep_hourly, keep_daily, keep_weekly, keep_monthly) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (plan_id) DO UPDATE SET keep_last = excluded.keep_last, keep_hourly = excluded.keep_hourly, keep_daily = excluded.keep_daily,
         keep_weekly = excluded.keep_weekly, keep_monthly = excluded.keep_monthly`,
      [planId, policy.last, policy.hourly, policy.daily, policy.weekly, policy.monthly],
    );
  }
}
