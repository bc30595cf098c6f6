/**
 * A tree records mtimes in whole milliseconds. fs.utimes takes seconds as a
 * double, and near the present a double's step is about 240 ns, so a
 * millisecond like .471 s arrives as .47099995 s and reads back as .470 ms
 * when truncated. Half a microsecond more lands it inside its own millisecond
 * whichever way the double rounds.
 */
const nudgeSeconds = 0.0000005;

/** Seconds for fs.utimes that read back as `mtimeMs` truncated to the millisecond. */
export function utimesSecondsOf(mtimeMs: number): number {
  return mtimeMs / 1000 + nudgeSeconds;
}
