/**
 * Registry look-ups per second on PostgreSQL, with one instance and with
 * two sharing the database, beside the SQLite default: the same hot
 * look-up, measured in alternating rounds (median reported) so load from
 * elsewhere on the machine skews each alike. With two instances the load is
 * split between them, half the connections each. Loopback only, bounded in
 * time (about rounds x 3 x (seconds + 1) s), PostgreSQL started in a temp
 * folder from Debian's binaries (scripts/setup-postgres.sh). Run:
 * node --import tsx bench/registry-postgres.ts   (BENCH_SECONDS: seconds per round, default 3; BENCH_ROUNDS: rounds, default 3)
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateIdentity } from '../src/core/identity/keys';
import { RegistryClient } from '../src/core/registry/registry-client';
import { postgresSkipReason, startPostgres } from '../test/helpers/postgres';

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = 16;
const root = resolve(__dirname, '..');

/** Starts a registry whose output goes to a file and waits for its ready line. */
async function startRegistry(db: string, dir: string, name: string): Promise<{ child: ChildProcess; url: string }> {
  const logFile = join(dir, `${name}.log`);
  const out = openSync(logFile, 'w');
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'registry', '--port', '0', '--host', '127.0.0.1', '--home', dir, '--db', db, '--rate-limit', '0'];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', out, out] });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const match = /listening on (http:\/\/\S+)/.exec(readFileSync(logFile, 'utf8'));
    if (match) return { child, url: match[1] };
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`registry ${name} did not start:\n${readFileSync(logFile, 'utf8')}`);
    }
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
  }
}

/** Total look-ups a second over `urls`, the connections split between them. */
async function measure(urls: string[]): Promise<number> {
  const each = connections / urls.length;
  await Promise.all(urls.map((url) => autocannon({ url, connections: each, duration: 1 }))); // warm-up, not counted
  const results = await Promise.all(urls.map((url) => autocannon({ url, connections: each, duration: seconds })));
  for (const result of results) if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.url}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  return results.reduce((sum, result) => sum + result.requests.average, 0);
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

async function main(): Promise<void> {
  if (postgresSkipReason) throw new Error(postgresSkipReason);
  const dir = mkdtempSync(join(tmpdir(), 'peer-backup-bench-registry-pg-'));
  const cleanups: (() => Promise<void>)[] = [];
  const children: ChildProcess[] = [];
  try {
    const postgres = await startPostgres({ after: (fn) => cleanups.push(fn) });
    const db = await postgres.createDatabase();
    const sqlite = await startRegistry(join(dir, 'registry.db'), dir, 'sqlite');
    const pgFirst = await startRegistry(db, dir, 'pg-1');
    const pgSecond = await startRegistry(db, dir, 'pg-2');
    children.push(sqlite.child, pgFirst.child, pgSecond.child);
    const peer = generateIdentity();
    await new RegistryClient(`${sqlite.url},${pgFirst.url}`).announce(peer, 7421, ['127.0.0.1']);
    const lookup = (url: string) => `${url}/v2/peers/${peer.peerId}`;

    const configurations: [string, string[]][] = [
      ['SQLite, 1 instance', [lookup(sqlite.url)]],
      ['PostgreSQL, 1 instance', [lookup(pgFirst.url)]],
      ['PostgreSQL, 2 instances', [lookup(pgFirst.url), lookup(pgSecond.url)]],
    ];
    const measured = configurations.map(() => [] as number[]);
    for (let round = 0; round < rounds; round++) {
      for (const [index, [, urls]] of configurations.entries()) measured[index].push(await measure(urls));
    }
    const sqliteRate = median(measured[0]);
    console.log(`registry look-ups: ${connections} connections in all, median of ${rounds} rounds of ${seconds} s, loopback, one hot peer`);
    for (const [index, [label]] of configurations.entries()) {
      const rate = median(measured[index]);
      console.log(`  ${label.padEnd(26)} ${Math.round(rate).toString().padStart(7)} req/s   ${(rate / sqliteRate).toFixed(2)} of SQLite`);
    }
  } finally {
    for (const child of children) child.kill();
    for (const cleanup of cleanups) await cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
