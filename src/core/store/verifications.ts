/** The history of verifications: one row per `verify` of a plan's snapshots at its teammate. */
import type { Database } from './database';

export type VerificationStatus = 'ok' | 'damaged' | 'failed';

export interface DamagedSnapshot {
  snapshotId: string;
  problem: string;
}

export interface Verification {
  id: number;
  planId: number;
  destination: string;
  startedAt: number;
  endedAt: number;
  status: VerificationStatus;
  snapshots: number;
  /** Packs the teammate re-hashed. */
  packsChecked: number;
  /** Chunks this machine read back and opened. */
  chunksRead: number;
  damaged: DamagedSnapshot[];
  error: string | null;
}

interface VerificationRow {
  id: number;
  plan_id: number;
  destination: string;
  started_at: number;
  ended_at: number;
  status: VerificationStatus;
  snapshots: number;
  packs_checked: number;
  chunks_read: number;
  damaged: string;
  error: string | null;
}

export class VerificationStore {
  constructor(private readonly db: Database) {}

  async record(verification: Omit<Verification, 'id'>): Promise<Verification> {
    const { lastId } = await this.db.run(
      `INSERT INTO verifications (plan_id, destination, started_at, ended_at, status, snapshots, packs_checked, chunks_read, damaged, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        verification.planId,
        verification.destination,
        verification.startedAt,
        verification.endedAt,
        verification.status,
        verification.snapshots,
        verification.packsChecked,
        verification.chunksRead,
        JSON.stringify(verification.damaged),
        verification.error,
      ],
    );
    return { ...verification, id: lastId };
  }

  /** The plan's latest verification, if it was ever verified. */
  async last(planId: number): Promise<Verification | undefined> {
    const row = await this.db.get<VerificationRow>('SELECT * FROM verifications WHERE plan_id = ? ORDER BY started_at DESC, id DESC LIMIT 1', [planId]);
    return row && toVerification(row);
  }
}

function toVerification(row: VerificationRow): Verification {
  return {
    id: row.id,
    planId: row.plan_id,
    destination: row.destination,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    status: row.status,
    snapshots: row.snapshots,
    packsChecked: row.packs_checked,
    chunksRead: row.chunks_read,
    damaged: JSON.parse(row.damaged) as DamagedSnapshot[],
    error: row.error,
  };
}
