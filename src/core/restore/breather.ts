/**
 * Lets the event loop run between pieces of blocking work: once `sliceMs`
 * have passed since it last ran, the next call waits for a turn of the loop,
 * so sockets (the next batch's answer), timers and an editor's other work
 * are not held up for longer than that.
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

export class Breather {
  private since = performance.now();

  constructor(private readonly sliceMs = 10) {}

  async maybe(): Promise<void> {
    if (performance.now() - this.since < this.sliceMs) return;
    await nextTurn();
    this.since = performance.now();
  }
}
