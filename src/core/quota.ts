/**
 * Quotas as people type them ("10GB", "500 MB"): binary units, parsed by the
 * `bytes` package. A unit is required, and nothing may follow it: `bytes`
 * alone reads "10 parsecs" as 10 bytes. No one grants more than a petabyte,
 * so a larger quota is a typo.
 */
import bytes from 'bytes';
import { UserError } from './errors';

const quotaPattern = /^\d+(\.\d+)?\s*(b|kb|mb|gb|tb|pb)$/i;

const maxQuotaBytes = 1024 ** 5;

export function parseQuota(text: string): number {
  const trimmed = text.trim();
  const parsed = quotaPattern.test(trimmed) ? bytes.parse(trimmed) : null;
  if (parsed === null || !Number.isFinite(parsed) || parsed < 1) {
    throw new UserError(`"${text}" is not a size: give the quota as e.g. 10GB, 500MB or 1TB.`);
  }
  return checkQuotaBytes(Math.floor(parsed), `"${text}"`);
}

/** A quota already in bytes (from a form that parsed it), held to the same bounds as a typed one. */
export function checkQuotaBytes(quotaBytes: number, shown = `${quotaBytes} bytes`): number {
  if (quotaBytes > maxQuotaBytes) throw new UserError(`${shown} is more than the largest quota, 1PB: give the quota as e.g. 10GB, 500MB or 1TB.`);
  if (!Number.isSafeInteger(quotaBytes) || quotaBytes < 1) throw new UserError(`${shown} is not a size: give the quota as e.g. 10GB, 500MB or 1TB.`);
  return quotaBytes;
}
