/** Quotas as people type them ("10GB", "500MB"): binary units, the same `bytes` parser the CLI uses. */
import bytes from 'bytes';
import { UserError } from './errors';

export function parseQuota(text: string): number {
  const parsed = bytes.parse(text.trim());
  if (parsed === null || !Number.isFinite(parsed) || parsed <= 0) {
    throw new UserError(`"${text}" is not a size: give the quota as e.g. 10GB, 500MB or 1TB.`);
  }
  return Math.floor(parsed);
}
