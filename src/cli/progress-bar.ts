/** Shows a run's progress on the terminal: a bar while uploading, a counter while packing. */
import { SingleBar } from 'cli-progress';
import { countOf, formatBytes, type RunProgress } from '../core/app';

export interface ProgressDisplay {
  update(progress: Omit<RunProgress, 'runId' | 'plan'>): void;
  stop(): void;
}

/** A live bar on a terminal; otherwise nothing, so logs and pipes stay clean. */
export function createProgressDisplay(stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  if (!stream.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    stream,
    format: '{phase} |{bar}| {done} {rate} {eta}',
    hideCursor: true,
    clearOnComplete: true,
  });
  let started = false;
  return {
    update(progress) {
      const payload = {
        phase: progress.phase.padEnd(10),
        done: progress.totalBytes ? `${formatBytes(progress.bytes)} / ${formatBytes(progress.totalBytes)}` : `${countOf(progress.files, 'file')}, ${formatBytes(progress.bytes)}`,
        rate: progress.bytesPerSecond ? `${formatBytes(progress.bytesPerSecond)}/s` : '',
        eta: progress.retryingIn ? `peer unreachable, retrying in ${progress.retryingIn} s` : progress.etaSeconds !== undefined ? `ETA ${Math.ceil(progress.etaSeconds)} s` : '',
      };
      const total = progress.totalBytes ?? 0;
      if (!started) {
        bar.start(total, progress.bytes, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(progress.bytes, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
