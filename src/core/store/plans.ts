/** Backup plans and their designated paths, as rows of the originating database. */
import { UserError } from '../errors';
import { parseSchedule } from '../schedule/spec';
import { isUniqueViolation, type Database, type Queries } from './database';

export interface PlanItem {
  /** Absolute path on this machine. */
  sourcePath: string;
  /** Where the item sits inside the archive: relative, '/'-separated. */
  archivePath: string;
}

export interface Plan {
  id: number;
  name: string;
  /** The teammate's peer ID, or null until one is chosen. */
  destination: string | null;
  schedule: string;
  enabled: boolean;
  excludes: string[];
  respectGitignore: boolean;
  createdAt: number;
  updatedAt: number;
  items: PlanItem[];
}

export interface NewPlan {
  name: string;
  destination: string | null;
  schedule: string;
  enabled?: boolean;
  excludes: string[];
  respectGitignore?: boolean;
  items: PlanItem[];
}

export type PlanChanges = Partial<Pick<Plan, 'destination' | 'schedule' | 'enabled' | 'excludes' | 'respectGitignore'>>;

interface PlanRow {
  id: number;
  name: string;
  destination: string | null;
  schedule: string;
  enabled: number;
  excludes: string;
  respect_gitignore: number;
  created_at: number;
  updated_at: number;
}

interface ItemRow {
  plan_id: number;
  source_path: string;
  archive_path: string;
}

export class PlanStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  async create(plan: NewPlan): Promise<Plan> {
    const name = checkPlanName(plan.name);
    const schedule = parseSchedule(plan.schedule).spec;
    const at = this.now();
    try {
      await this.db.transaction(async (tx) => {
        const { lastId } = await tx.run(
          `INSERT INTO plans (name, destination, schedule, enabled, excludes, respect_gitignore, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          [name, plan.destination, schedule, plan.enabled === false ? 0 : 1, JSON.stringify(plan.excludes), plan.respectGitignore ? 1 : 0, at, at],
        );
        await insertItems(tx, lastId, plan.items);
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new UserError(`A plan named "${name}" already exists: choose another name, or change that plan instead.`, { code: 'conflict' });
      }
      throw err;
    }
    return this.get(name);
  }

  async list(): Promise<Plan[]> {
    const rows = await this.db.all<PlanRow>('SELECT * FROM plans ORDER BY name');
    const items = await this.db.all<ItemRow>('SELECT * FROM plan_items ORDER BY archive_path');
    return rows.map((row) => toPlan(row, items.filter((item) => item.plan_id === row.id)));
  }

  async find(name: string): Promise<Plan | undefined> {
    const row = await this.db.get<PlanRow>('SELECT * FROM plans WHERE name = ?', [name]);
    if (!row) return undefined;
    const items = await this.db.all<ItemRow>('SELECT * FROM plan_items WHERE plan_id = ? ORDER BY archive_path', [row.id]);
    return toPlan(row, items);
  }

  /** Like find(), but an unknown name is the user's error, answered with the names that exist. */
  async get(name: string): Promise<Plan> {
    const plan = await this.find(name);
    if (plan) return plan;
    const known = (await this.db.all<{ name: string }>('SELECT name FROM plans ORDER BY name')).map((row) => row.name);
    const hint = known.length ? `known plans: ${known.join(', ')}` : 'no plans exist yet';
    throw new UserError(`No plan named "${name}" (${hint}).`, { code: 'not-found' });
  }

  async update(name: string, changes: PlanChanges): Promise<Plan> {
    const plan = await this.get(name);
    const next = { ...plan, ...changes };
    if (changes.schedule !== undefined) next.schedule = parseSchedule(changes.schedule).spec;
    await this.db.run(
      `UPDATE plans SET destination = ?, schedule = ?, enabled = ?, excludes = ?, respect_gitignore = ?, updated_at = ? WHERE id = ?`,
      [next.destination, next.schedule, next.enabled ? 1 : 0, JSON.stringify(next.excludes), next.respectGitignore ? 1 : 0, this.now(), plan.id],
    );
    return this.get(name);
  }

  /** Replaces the plan's designated paths with `items` in one transaction. */
  async setItems(name: string, items: PlanItem[]): Promise<Plan> {
    const plan = await this.get(name);
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM plan_items WHERE plan_id = ?', [plan.id]);
      await insertItems(tx, plan.id, items);
      await tx.run('UPDATE plans SET updated_at = ? WHERE id = ?', [this.now(), plan.id]);
    });
    return this.get(name);
  }

  /** Removes the plan, its designated paths and its run history. */
  async remove(name: string): Promise<void> {
    const plan = await this.get(name);
    await this.db.run('DELETE FROM plans WHERE id = ?', [plan.id]);
  }
}

/** Plan names appear in commands, menus and snapshot listings, so keep them plain. */
export function checkPlanName(name: string): string {
  const trimmed = name.trim();
  if (!/^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,63}$/u.test(trimmed)) {
    throw new UserError(
      `"${name}" is not a usable plan name: use 1-64 letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit (for example "nightly").`,
    );
  }
  return trimmed;
}

async function insertItems(tx: Queries, planId: number, items: PlanItem[]): Promise<void> {
  for (const item of items) {
    await tx.run('INSERT INTO plan_items (plan_id, source_path, archive_path) VALUES (?, ?, ?)', [planId, item.sourcePath, item.archivePath]);
  }
}

function toPlan(row: PlanRow, items: ItemRow[]): Plan {
  return {
    id: row.id,
    name: row.name,
    destination: row.destination,
    schedule: row.schedule,
    enabled: row.enabled === 1,
    excludes: JSON.parse(row.excludes) as string[],
    respectGitignore: row.respect_gitignore === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    items: items.map((item) => ({ sourcePath: item.source_path, archivePath: item.archive_path })),
  };
}
