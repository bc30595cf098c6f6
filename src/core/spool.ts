/**
 * The spool holds packs on their way out (a run's `run-<run id>-*.tar`) and
 * archive snapshots on their way in (a restore's `restore-<pid>-*.tar.gz`).
 * Their owners delete them when they finish; a process that is killed
 * cannot, so what it left is cleared when a home's database is next opened:
 * a run's packs once its run is no longer running (opening the database
 * marks the runs of dead processes interrupted), and a restore's download
 * once its process is gone or it is a day old. The clean-up never fails the
 * caller: a spool it cannot read or a file it cannot delete is left for the
 * next time, and a run that needs the folder reports why.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from './store';
import { processIsAlive } from './util/process-alive';

/** No restore takes this long; an older download was left by a process that died. */
const restoreFileLifetimeMs = 24 * 60 * 60 * 1000;

/** Deletes the spool files no live run or restore will finish; returns their names. */
export async function cleanSpool(spoolDir: string, store: Store, now: () => number = Date.now): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await spoolFiles(spoolDir)) {
    const file = join(spoolDir, name);
    if (!(await isAbandoned(name, file, store, now))) continue;
    const deleted = await rm(file, { force: true }).then(() => true, () => false);
    if (deleted) removed.push(name);
  }
  return removed;
}

async function isAbandoned(name: string, file: string, store: Store, now: () => number): Promise<boolean> {
  const run = /^run-(\d+)-/.exec(name);
  if (run) return (await store.runs.get(Number(run[1])))?.status !== 'running';
  const restore = /^restore-(?:(\d+)-)?/.exec(name);
  if (restore) {
    if (restore[1] !== undefined && !processIsAlive(Number(restore[1]))) return true;
    const modified = await stat(file).then((stats) => stats.mtimeMs, () => undefined); // gone meanwhile: its owner finished
    return modified !== undefined && now() - modified > restoreFileLifetimeMs;
  }
  return false;
}

/** The spool's file names; none when it does not exist yet (nothing was ever spooled) or cannot be read. */
function spoolFiles(spoolDir: string): Promise<string[]> {
  return readdir(spoolDir).catch(() => []);
}
