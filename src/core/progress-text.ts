/** A run's progress in one line of words, for front ends without a terminal bar (the editor's notification). */
import { formatBytes } from './human-format';
import type { RunProgress } from './runner';

export interface ProgressLine {
  message: string;
  /** 0-100 while uploading (the archive's size is known then); undefined while packing or connecting. */
  percent: number | undefined;
}

export function describeProgress(progress: RunProgress): ProgressLine {
  const rate = progress.bytesPerSecond > 0 ? ` at ${formatBytes(progress.bytesPerSecond)}/s` : '';
  switch (progress.phase) {
    case 'packing':
      return { message: `Packing: ${progress.files.toLocaleString('en-US')} files, ${formatBytes(progress.bytes)}${rate}`, percent: undefined };
    case 'connecting':
      return {
        message:
          progress.retryingIn !== undefined
            ? `Teammate not reachable (${progress.detail ?? 'no answer'}); trying again in ${Math.round(progress.retryingIn)} s`
            : `Connecting: ${progress.detail ?? 'finding the teammate'}`,
        percent: undefined,
      };
    case 'uploading': {
      const total = progress.totalBytes ?? 0;
      const eta = progress.etaSeconds !== undefined ? `, about ${Math.ceil(progress.etaSeconds)} s left` : '';
      return {
        message: `Uploading ${progress.files.toLocaleString('en-US')} files: ${formatBytes(progress.bytes)} of ${formatBytes(total)}${rate}${eta}`,
        percent: total > 0 ? Math.min(100, (progress.bytes / total) * 100) : undefined,
      };
    }
  }
}
