/** Human formatting shared by CLI commands. */
import bytes from 'bytes';

/** Binary units, matching how quotas such as "10GB" are parsed. */
export function formatBytes(count: number): string {
  return bytes.format(count, { unitSeparator: ' ', decimalPlaces: 1 }) ?? `${count} B`;
}

export function formatTime(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Lines of `label: value`, labels padded to one width. */
export function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width + 2)}${value}`).join('\n');
}
