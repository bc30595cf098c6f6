/** A retention policy as a person gives it: whole numbers, and at least one rule that keeps something, so a policy never forgets every snapshot. */
import { UserError } from '../errors';
import { retentionRules, type RetentionPolicy } from './policy';

export const maxKeepPerRule = 100_000;

export function checkRetentionPolicy(policy: RetentionPolicy): RetentionPolicy {
  for (const rule of retentionRules) {
    const value = policy[rule];
    if (!Number.isInteger(value) || value < 0 || value > maxKeepPerRule) {
      throw new UserError(`keep-${rule} must be a whole number from 0 to ${maxKeepPerRule}, not ${value}.`, { code: 'bad-input' });
    }
  }
  if (retentionRules.every((rule) => policy[rule] === 0)) {
    throw new UserError('A retention policy that keeps nothing would forget every snapshot: keep at least one (e.g. --keep-last 1).', { code: 'bad-input' });
  }
  return policy;
}
