/** Plan use cases: make plans from paths, change them, pack one to a file. */
import { basename } from 'node:path';
import { manualSchedule } from '../defaults';
import { packToFile, type PackFileReport, type PackProgress } from '../pack';
import { designate, undesignate } from '../plan/designate';
import type { Plan, PlanChanges, PlanItem } from '../store';
import type { App } from './app';

export interface NewPlanRequest {
  name: string;
  /** Files and folders, relative to `base`; none to designate them later. */
  paths?: string[];
  /** The workspace folder, or the CLI's working directory: archive paths are relative to it. */
  base?: string;
  /** A teammate's label or peer ID. */
  destination?: string;
  schedule?: string;
  excludes: readonly string[];
  respectGitignore?: boolean;
}

/** Changes to a plan; `destination` is a teammate's label or peer ID, '' for none. */
export type PlanEdit = Omit<PlanChanges, 'destination'> & { destination?: string };

export interface PlanChange {
  plan: Plan;
  /** One line per path that was merged rather than added, for the user. */
  notes: string[];
}

export class PlanService {
  constructor(private readonly app: App) {}

  async list(): Promise<Plan[]> {
    return (await this.app.store()).plans.list();
  }

  async get(name: string): Promise<Plan> {
    return (await this.app.store()).plans.get(name);
  }

  async create(request: NewPlanRequest): Promise<PlanChange> {
    const destination = request.destination === undefined ? null : await this.app.teammates.resolve(request.destination);
    const { items, notes } = await designate([], request.paths ?? [], request.base ?? process.cwd());
    const plan = await (await this.app.store()).plans.create({
      name: request.name,
      destination,
      schedule: request.schedule ?? manualSchedule,
      excludes: [...request.excludes],
      respectGitignore: request.respectGitignore === true,
      items,
    });
    return { plan, notes };
  }

  async update(name: string, edit: PlanEdit): Promise<Plan> {
    const { destination, ...rest } = edit;
    const changes: PlanChanges = { ...rest };
    if (destination !== undefined) changes.destination = destination.trim() === '' ? null : await this.app.teammates.resolve(destination);
    return (await this.app.store()).plans.update(name, changes);
  }

  async addPaths(name: string, paths: string[], base: string): Promise<PlanChange> {
    const store = await this.app.store();
    const { items, notes } = await designate((await store.plans.get(name)).items, paths, base);
    return { plan: await store.plans.setItems(name, items), notes };
  }

  /** `paths` are absolute, or relative to `base`. */
  async removePaths(name: string, paths: string[], base: string): Promise<Plan> {
    const store = await this.app.store();
    return store.plans.setItems(name, undesignate((await store.plans.get(name)).items, paths, base));
  }

  async remove(name: string): Promise<void> {
    await (await this.app.store()).plans.remove(name);
  }

  /**
   * The plan that backs up exactly `paths` to one teammate: an existing one
   * with the same destination and the same designated paths, else a new
   * manual plan, so that "back up this folder to Alice now", asked twice,
   * runs the same plan twice instead of piling up copies.
   */
  async forSelection(selection: { paths: string[]; base: string; teammate: string; excludes: readonly string[] }): Promise<{ plan: Plan; created: boolean }> {
    const teammate = await this.app.teammates.get(selection.teammate);
    const { items } = await designate([], selection.paths, selection.base);
    const wanted = sourcePathsOf(items);
    const plans = await this.list();
    const existing = plans.find((plan) => plan.destination === teammate.peerId && sourcePathsOf(plan.items) === wanted);
    if (existing) return { plan: existing, created: false };
    const name = freePlanName(plans, `${basename(items[0].sourcePath)} to ${teammate.label}`);
    const plan = await (await this.app.store()).plans.create({ name, destination: teammate.peerId, schedule: manualSchedule, excludes: [...selection.excludes], items });
    return { plan, created: true };
  }

  /** Writes the plan's archive to `outFile`, all or nothing. */
  async pack(name: string, outFile: string, options: { force: boolean; signal?: AbortSignal; onProgress?: (progress: PackProgress) => void }): Promise<PackFileReport> {
    return packToFile(await this.get(name), outFile, options);
  }
}

function sourcePathsOf(items: PlanItem[]): string {
  return items
    .map((item) => item.sourcePath)
    .sort()
    .join('\n');
}

/**
 * `wanted` made into a valid plan name (file names and labels may hold
 * characters plan names do not), then `NAME 2`, `NAME 3`, ... until one is free.
 */
function freePlanName(plans: Plan[], wanted: string): string {
  const base = wanted.replace(/[^\p{L}\p{N} ._-]+/gu, '-').replace(/^[^\p{L}\p{N}]+/u, '').slice(0, 58).trim() || 'backup';
  const taken = new Set(plans.map((plan) => plan.name));
  let name = base;
  for (let suffix = 2; taken.has(name); suffix++) name = `${base} ${suffix}`;
  return name;
}
