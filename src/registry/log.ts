/** Structured logs: one JSON object per line, easy to grep and to feed to a log collector. */

export interface LogEntry {
  event: 'request' | 'started' | 'stopped' | 'purged' | 'error';
  [field: string]: unknown;
}

export type Log = (entry: LogEntry) => void;

export function jsonLineLog(write: (line: string) => void): Log {
  return (entry) => write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
}
