/** Human formatting for any front end: sizes, rates and times as people read them. */

/** Binary units, matching how quotas such as "10GB" are parsed. */
const binaryUnits = ['KiB', 'MiB', 'GiB', 'TiB'];

/** "512 B", "3.4 MiB", "10 GiB": binary units, the ones sizes and quotas ("10GB" is 10 x 1024^3 bytes) are counted in. */
export function formatBytes(count: number): string {
  if (count < 1024) return `${count} B`;
  let value = count;
  let unit = -1;
  while (value >= 1024 && unit < binaryUnits.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1).replace(/\.0$/, '')} ${binaryUnits[unit]}`;
}

/** "1 file", "2 files", "1,024 files". */
export function countOf(count: number, noun: string): string {
  return `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;
}

/** "2025-03-12 09:00", local time. */
export function formatTime(at: Date | number): string {
  const date = new Date(at);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** "1.2 s", "3 min 4 s", "2 h 5 min". */
export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** "just now", "12 min ago", "3 h ago", "2 days ago". */
export function timeAgo(then: Date | number, now: Date): string {
  const minutes = Math.floor((now.getTime() - new Date(then).getTime()) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  return days === 1 ? '1 day ago' : `${days} days ago`;
}

/** "18:00" today, "tomorrow 02:00", "Mon 09:00" within the week, else the full date and time. */
export function clockTime(at: Date, now: Date): string {
  const hhmm = `${pad(at.getHours())}:${pad(at.getMinutes())}`;
  const days = Math.round((startOfDay(at) - startOfDay(now)) / 86_400_000);
  if (days === 0) return hhmm;
  if (days === 1) return `tomorrow ${hhmm}`;
  if (days > 1 && days < 7) return `${at.toLocaleDateString('en-GB', { weekday: 'short' })} ${hhmm}`;
  return formatTime(at);
}

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
