/** Reads and drops what is left of a request body (the idle timeout still ends a stalled one), so a sender still writing gets to read why it was refused. */
import type { IncomingMessage } from 'node:http';

export function discardRest(raw: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (raw.complete || raw.destroyed) {
      resolve();
      return;
    }
    raw.once('end', resolve);
    raw.once('close', resolve);
    raw.resume();
  });
}
