import assert from 'node:assert/strict';
import { test } from 'node:test';
import { App, homeAt } from '../../src/core/app';
import { planRunLeaseName } from '../../src/core/schedule/plan-run-lease';
import { withRawDatabase } from '../helpers/raw-database';
import { tempDir } from '../helpers/temp';

/** "daily HH:MM" for a slot `ms` ago, local time. */
function dailySlotAgo(ms: number): string {
  const at = new Date(Date.now() - ms);
  return `daily ${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
}

async function appWithDuePlans(t: import('node:test').TestContext, names: string[]): Promise<App> {
  const app = new App({ home: homeAt(tempDir(t)), registryUrl: () => 'http://127.0.0.1:9' });
  t.after(() => app.close());
  for (const name of names) await app.plans.create({ name, schedule: dailySlotAgo(30 * 60_000), excludes: [] });
  // Saved two hours ago, so the slot half an hour ago counts as missed.
  await withRawDatabase((await app.store()).file, (db) => db.run('UPDATE plans SET updated_at = ?', [Date.now() - 2 * 3600_000]));
  return app;
}

test('run --due runs every due plan it can, and names the one running elsewhere instead of stopping at it', async (t) => {
  const app = await appWithDuePlans(t, ['alpha', 'beta', 'gamma']);
  const store = await app.store();
  const beta = await app.plans.get('beta');
  assert.ok(await store.leases.acquire(planRunLeaseName(beta.id), 'another-process', 600_000));

  const due = await app.runs.runDue();
  assert.deepEqual(
    due.runs.map((run) => run.planName),
    ['alpha', 'gamma'],
  );
  assert.deepEqual(due.skipped, [{ plan: 'beta', why: 'it is already running in another window or process' }]);
  // Each ran and failed on its own merits (no paths yet), recorded with the step that failed.
  assert.deepEqual(
    due.runs.map((run) => run.failureStep),
    ['nothing-to-back-up', 'nothing-to-back-up'],
  );
});

test('a plan whose stored schedule no longer parses is reported, and the other due plans still run', async (t) => {
  const app = await appWithDuePlans(t, ['broken', 'fine']);
  await withRawDatabase((await app.store()).file, (db) => db.run("UPDATE plans SET schedule = 'fortnightly' WHERE name = 'broken'"));

  const due = await app.runs.runDue();
  assert.deepEqual(
    due.runs.map((run) => run.planName),
    ['fine'],
  );
  assert.equal(due.skipped.length, 1);
  assert.equal(due.skipped[0].plan, 'broken');
  assert.match(due.skipped[0].why, /"fortnightly" is not a schedule/);
});

test('a run someone asks for while the plan runs elsewhere is refused with its code, and nothing is recorded', async (t) => {
  const app = await appWithDuePlans(t, ['alpha']);
  const store = await app.store();
  const alpha = await app.plans.get('alpha');
  assert.ok(await store.leases.acquire(planRunLeaseName(alpha.id), 'another-process', 600_000));

  await assert.rejects(app.runs.runNow('alpha'), (err: Error & { code?: string }) => err.code === 'already-running' && /already running/.test(err.message));
  assert.deepEqual(await app.runs.history(), []);
});
