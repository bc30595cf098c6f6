/** The history of backup runs: one row per attempt, written when it starts and when it ends. */
import type { Database } from './database';
import { processIsAlive } from '../util/process-alive';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

export interface SkippedPath {
  path: string;
  reason: string;
}

export interface Run {
  id: number;
  planId: number;
  planName: string;
  startedAt: number;
  endedAt: number | null;
  status: RunStatus;
  files: number;
  /** The archive's size. */
  bytes: number;
  skipped: SkippedPath[];
  snapshotId: string | null;
  /** The receiver's signed receipt (a SignedStatement), kept as proof of what was stored. */
  receipt: unknown;
  error: string | null;
  /** For a failed run, the step that failed (an ErrorCode, e.g. 'peer-offline'); null otherwise. */
  failureStep: string | null;
  /** For a successful run, what failed after the snapshot was stored (the recovery kit, retention); null when nothing did. */
  warning: string | null;
}

export interface RunOutcome {
  status: Exclude<RunStatus, 'running' | 'interrupted'>;
  files?: number;
  bytes?: number;
  /** The file content packed, before compression (a successful run's; restores are bounded by it). */
  contentBytes?: number;
  skipped?: SkippedPath[];
  snapshotId?: string | null;
  receipt?: unknown;
  error?: string | null;
  failureStep?: string | null;
}

interface RunRow {
  id: number;
  plan_id: number;
  plan_name: string;
  started_at: number;
  ended_at: number | null;
  status: RunStatus;
  files: number;
  bytes: number;
  content_bytes: number | null;
  skipped: string;
  snapshot_id: string | null;
  receipt: string | null;
  error: string | null;
  failure_step: string | null;
  warning: string | null;
}

const selectRuns = 'SELECT runs.*, plans.name AS plan_name FROM runs JOIN plans ON plans.id = runs.plan_id';

/** What this machine recorded when a snapshot was stored: the proof to check a teammate's copy against. */
export interface SnapshotRecord {
  /** The receiver's signed receipt (a SignedStatement), as it arrived. */
  receipt: unknown;
  /** The file content packed, before compression; null for runs recorded before it was kept. */
  contentBytes: number | null;
}

export class RunStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  async start(planId: number): Promise<number> {
    const { lastId } = await this.db.run("INSERT INTO runs (plan_id, started_at, owner_pid, status) VALUES (?, ?, ?, 'running')", [
      planId,
      this.now(),
      process.pid,
    ]);
    return lastId;
  }

  async finish(runId: number, outcome: RunOutcome): Promise<Run> {
    await this.db.run(
      `UPDATE runs SET ended_at = ?, status = ?, files = ?, bytes = ?, content_bytes = ?, skipped = ?, snapshot_id = ?, receipt = ?, error = ?, failure_step = ?
       WHERE id = ? AND status = 'running'`,
      [
        this.now(),
        outcome.status,
        outcome.files ?? 0,
        outcome.bytes ?? 0,
        outcome.contentBytes ?? null,
        JSON.stringify(outcome.skipped ?? []),
        outcome.snapshotId ?? null,
        outcome.receipt === undefined ? null : JSON.stringify(outcome.receipt),
        outcome.error ?? null,
        outcome.failureStep ?? null,
        runId,
      ],
    );
    const run = await this.get(runId);
    if (!run) throw new Error(`run ${runId} vanished from the database`);
    return run;
  }

  /** Notes what failed after a successful run's snapshot was stored; the run stays a success. */
  async noteWarning(runId: number, warning: string): Promise<Run> {
    await this.db.run("UPDATE runs SET warning = ? WHERE id = ? AND status = 'succeeded'", [warning, runId]);
    const run = await this.get(runId);
    if (!run) throw new Error(`run ${runId} vanished from the database`);
    return run;
  }

  async get(runId: number): Promise<Run | undefined> {
    const row = await this.db.get<RunRow>(`${selectRuns} WHERE runs.id = ?`, [runId]);
    return row && toRun(row);
  }

  /** Newest first; all plans unless `planId` is given. */
  async list(options: { planId?: number; limit?: number } = {}): Promise<Run[]> {
    const where = options.planId === undefined ? '' : 'WHERE runs.plan_id = ?';
    const params = options.planId === undefined ? [] : [options.planId];
    const rows = await this.db.all<RunRow>(`${selectRuns} ${where} ORDER BY runs.started_at DESC, runs.id DESC LIMIT ?`, [
      ...params,
      options.limit ?? 50,
    ]);
    return rows.map(toRun);
  }

  /** When the plan's latest successful run started; the scheduler's catch-up compares it with the missed slot. */
  async lastSucceededStart(planId: number): Promise<number | undefined> {
    const row = await this.db.get<{ started_at: number | null }>("SELECT MAX(started_at) AS started_at FROM runs WHERE plan_id = ? AND status = 'succeeded'", [
      planId,
    ]);
    return row?.started_at ?? undefined;
  }

  /** When a backup to each destination last succeeded (the end of its latest successful run), by peer ID. */
  async lastSuccessByDestination(): Promise<Map<string, number>> {
    const rows = await this.db.all<{ destination: string; ended_at: number }>(
      `SELECT plans.destination AS destination, MAX(runs.ended_at) AS ended_at
         FROM runs JOIN plans ON plans.id = runs.plan_id
        WHERE runs.status = 'succeeded' AND plans.destination IS NOT NULL
        GROUP BY plans.destination`,
    );
    return new Map(rows.map((row) => [row.destination, row.ended_at]));
  }

  /** The peer a snapshot made by this machine was sent to: its plan's destination. */
  async destinationOfSnapshot(snapshotId: string): Promise<string | undefined> {
    const row = await this.db.get<{ destination: string | null }>(
      'SELECT plans.destination AS destination FROM runs JOIN plans ON plans.id = runs.plan_id WHERE runs.snapshot_id = ?',
      [snapshotId],
    );
    return row?.destination ?? undefined;
  }

  /** The record of a snapshot this machine made and a teammate confirmed storing; undefined for one made elsewhere. */
  async snapshotRecord(snapshotId: string): Promise<SnapshotRecord | undefined> {
    const row = await this.db.get<{ receipt: string; content_bytes: number | null }>(
      "SELECT receipt, content_bytes FROM runs WHERE snapshot_id = ? AND status = 'succeeded' AND receipt IS NOT NULL",
      [snapshotId],
    );
    return row && { receipt: JSON.parse(row.receipt) as unknown, contentBytes: row.content_bytes };
  }

  /**
   * A row still 'running' whose process is gone belongs to a run that died
   * (killed, crashed, machine off); it can never finish, so it becomes
   * 'interrupted'. Rows of live processes (another window, the CLI daemon)
   * are left alone.
   */
  async markOrphansInterrupted(isAlive: (pid: number) => boolean = processIsAlive): Promise<number> {
    const running = await this.db.all<{ id: number; owner_pid: number }>("SELECT id, owner_pid FROM runs WHERE status = 'running'");
    const orphans = running.filter((row) => !isAlive(row.owner_pid));
    for (const orphan of orphans) {
      await this.db.run(
        "UPDATE runs SET status = 'interrupted', ended_at = ?, error = 'the process running this backup stopped before it finished' WHERE id = ? AND status = 'running'",
        [this.now(), orphan.id],
      );
    }
    return orphans.length;
  }
}

function toRun(row: RunRow): Run {
  return {
    id: row.id,
    planId: row.plan_id,
    planName: row.plan_name,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    status: row.status,
    files: row.files,
    bytes: row.bytes,
    skipped: JSON.parse(row.skipped) as SkippedPath[],
    snapshotId: row.snapshot_id,
    receipt: row.receipt === null ? null : (JSON.parse(row.receipt) as unknown),
    error: row.error,
    failureStep: row.failure_step,
    warning: row.warning,
  };
}
