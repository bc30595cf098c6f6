/**
 * A backup's running figures, passed on a few times a second at most: a
 * progress line is refreshed per chunk read, far more often than anyone
 * reads it.
 */
export interface BackupFigures {
  /** Files looked at so far, and their bytes (read, or known unchanged). */
  files: number;
  bytes: number;
  /** Of those, files whose cached chunks were reused without reading them, and their bytes. */
  unchangedFiles: number;
  unchangedBytes: number;
  /** Plaintext bytes of the chunks the destination lacked. */
  newBytes: number;
  /** Pack bytes the destination has taken. */
  sentBytes: number;
  /** The path being read, for people. */
  currentPath?: string;
  /** True once every file is examined: what is left is sending the last packs and committing. */
  examined: boolean;
}

const reportIntervalMs = 250;

export class BackupProgress {
  readonly figures: BackupFigures = { files: 0, bytes: 0, unchangedFiles: 0, unchangedBytes: 0, newBytes: 0, sentBytes: 0, examined: false };
  private lastReportAt: number | undefined;

  constructor(
    private readonly report: ((figures: BackupFigures) => void) | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** For a pass that examines every file afresh: what was new and sent before stays counted, as it did cross the network. */
  startOver(): void {
    Object.assign(this.figures, { files: 0, bytes: 0, unchangedFiles: 0, unchangedBytes: 0, examined: false });
  }

  /** Passes the figures on unless they were passed on less than reportIntervalMs ago; `force` passes them on regardless. */
  changed(force = false): void {
    if (this.report === undefined) return;
    const now = this.now();
    if (!force && this.lastReportAt !== undefined && now - this.lastReportAt < reportIntervalMs) return;
    this.lastReportAt = now;
    this.report({ ...this.figures });
  }
}
