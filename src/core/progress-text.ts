/** A run's progress in one line of words, for front ends without a terminal bar (the editor's notification). */
import { countOf, formatBytes } from './human-format';
import type { RunProgress } from './runner';

export interface ProgressLine {
  message: string;
  /** 0-100 while uploading a known total; undefined otherwise. */
  percent: number | undefined;
}

export function describeProgress(progress: RunProgress): ProgressLine {
  const rate = progress.bytesPerSecond > 0 ? ` at ${formatBytes(progress.bytesPerSecond)}/s` : '';
  switch (progress.phase) {
    case 'packing':
      return { message: `Packing: ${filesText(progress)}, ${formatBytes(progress.bytes)}${rate}${transferText(progress)}`, percent: undefined };
    case 'connecting':
      return {
        message:
          progress.retryingIn !== undefined
            ? `Teammate not reachable (${progress.detail ?? 'no answer'}); trying again in ${Math.round(progress.retryingIn)} s`
            : `Connecting: ${progress.detail ?? 'finding the teammate'}`,
        percent: undefined,
      };
    case 'uploading': {
      if (progress.totalBytes === undefined) {
        return { message: `Sending the last packs: ${filesText(progress)}${transferText(progress)}${rate}`, percent: undefined };
      }
      const total = progress.totalBytes;
      const eta = progress.etaSeconds !== undefined ? `, about ${Math.ceil(progress.etaSeconds)} s left` : '';
      return {
        message: `Uploading ${countOf(progress.files, 'file')}: ${formatBytes(progress.bytes)} of ${formatBytes(total)}${rate}${eta}`,
        percent: total > 0 ? Math.min(100, (progress.bytes / total) * 100) : undefined,
      };
    }
  }
}

/** "1,234 files (980 unchanged, 12.3 MiB skipped)": unchanged files are not read again. */
function filesText(progress: RunProgress): string {
  const files = countOf(progress.files, 'file');
  if (!progress.unchangedFiles) return files;
  return `${files} (${progress.unchangedFiles.toLocaleString('en-US')} unchanged, ${formatBytes(progress.unchangedBytes ?? 0)} skipped)`;
}

/** "; 5 MiB new, 2 MiB sent": how much the teammate lacked, and how much of it has gone out. */
function transferText(progress: RunProgress): string {
  if (progress.newBytes === undefined || progress.sentBytes === undefined) return '';
  return `; ${formatBytes(progress.newBytes)} new, ${formatBytes(progress.sentBytes)} sent`;
}
