/**
 * Plans made from a selection of files and folders, as the editor's explorer
 * menu offers them: add the selection to a plan, or find (or make) the plan
 * that backs up exactly this selection to one teammate.
 */
import { basename } from 'node:path';
import type { Plan, PlanItem, Store } from '../store';
import { manualSchedule } from '../defaults';
import { designate } from './designate';

export interface PlanChange {
  plan: Plan;
  /** One line per path that was merged rather than added, for the user. */
  notes: string[];
}

/** Designates `paths` (relative to `base`) in the existing plan `planName`. */
export async function addPathsToPlan(store: Store, planName: string, paths: string[], base: string): Promise<PlanChange> {
  const plan = await store.plans.get(planName);
  const { items, notes } = await designate(plan.items, paths, base);
  return { plan: await store.plans.setItems(plan.name, items), notes };
}

/**
 * The plan that backs up exactly `paths` to `destination`: an existing one
 * with the same destination and the same designated paths, else a new manual
 * plan, so that "back up this folder to Alice now", asked twice, runs the
 * same plan twice instead of piling up copies.
 */
export async function planForSelection(
  store: Store,
  selection: { paths: string[]; base: string; destination: { peerId: string; label: string }; excludes: readonly string[] },
): Promise<{ plan: Plan; created: boolean }> {
  const { items } = await designate([], selection.paths, selection.base);
  const wanted = sourcePathsOf(items);
  const existing = (await store.plans.list()).find((plan) => plan.destination === selection.destination.peerId && sourcePathsOf(plan.items) === wanted);
  if (existing) return { plan: existing, created: false };
  const name = await freePlanName(store, `${basename(items[0].sourcePath)} to ${selection.destination.label}`);
  const plan = await store.plans.create({
    name,
    destination: selection.destination.peerId,
    schedule: manualSchedule,
    excludes: [...selection.excludes],
    items,
  });
  return { plan, created: true };
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
async function freePlanName(store: Store, wanted: string): Promise<string> {
  const base = wanted.replace(/[^\p{L}\p{N} ._-]+/gu, '-').replace(/^[^\p{L}\p{N}]+/u, '').slice(0, 58).trim() || 'backup';
  const taken = new Set((await store.plans.list()).map((plan) => plan.name));
  let name = base;
  for (let suffix = 2; taken.has(name); suffix++) name = `${base} ${suffix}`;
  return name;
}
