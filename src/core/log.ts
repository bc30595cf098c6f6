/**
 * The log of the servers and the daemon: pino, one JSON object per line, one
 * shape for the registry, the receiver and the scheduler's events:
 * {"level":"info","time":"<ISO 8601>","event":"<what happened>", ...fields}
 */
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** pino's ISO time field, formatted once per millisecond: a busy server logs many lines in each. */
function isoTimeOncePerMillisecond(): () => string {
  let formattedAt = Number.NaN;
  let field = '';
  return () => {
    const now = Date.now();
    if (now !== formattedAt) {
      formattedAt = now;
      field = `,"time":"${new Date(now).toISOString()}"`;
    }
    return field;
  };
}

const lineShape: LoggerOptions = {
  base: undefined,
  timestamp: isoTimeOncePerMillisecond(),
  formatters: { level: (label) => ({ level: label }) },
};

/** A logger handing each line (without its newline) to `writeLine`, synchronously. */
export function jsonLogger(writeLine: (line: string) => void): Logger {
  return pino(lineShape, { write: (line: string) => writeLine(line.endsWith('\n') ? line.slice(0, -1) : line) });
}

/**
 * A logger for a busy server: the lines logged during one turn of the event
 * loop go to `write` together (newlines included) right after it, so a burst
 * of requests costs one write instead of one per line. Lines still queued
 * when the process exits are written then.
 */
export function batchedLogger(write: (text: string) => void): Logger {
  let queued: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (queued.length === 0) return;
    const text = queued.join('');
    queued = [];
    write(text);
  };
  process.on('exit', flush);
  return pino(lineShape, {
    write: (line: string) => {
      queued.push(line);
      if (scheduled) return;
      scheduled = true;
      setImmediate(flush);
    },
  });
}
