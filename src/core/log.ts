/**
 * The log of the servers and the daemon: pino, one JSON object per line, one
 * shape for the registry, the receiver and the scheduler's events:
 * {"level":"info","time":"<ISO 8601>","event":"<what happened>", ...fields}
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** A logger handing each line (without its newline) to `writeLine`, synchronously. */
export function jsonLogger(writeLine: (line: string) => void): Logger {
  return pino(
    {
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write: (line: string) => writeLine(line.endsWith('\n') ? line.slice(0, -1) : line) },
  );
}
