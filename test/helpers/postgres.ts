/**
 * A real PostgreSQL server for a test: Debian's binaries (the postgresql
 * package; scripts/setup-postgres.sh installs it), a cluster made by initdb in
 * a temp folder, listening on a free loopback port, stopped and removed when
 * the test ends. PostgreSQL refuses to run as root, so as root the server
 * runs as the `postgres` user the package creates (else `nobody`).
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** The newest installed server's bin folder, or undefined. */
function findBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((version) => existsSync(join(root, version, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0], 'bin') : undefined;
}

const binDir = findBinDir();

/** Why PostgreSQL tests cannot run here, or undefined when they can; CI installs the binaries, so there they always run. */
export const postgresSkipReason: string | undefined = binDir
  ? undefined
  : "PostgreSQL's server binaries are not installed (/usr/lib/postgresql/*/bin/initdb): run scripts/setup-postgres.sh";

export interface TestPostgres {
  /** A URL to a new, empty database on the server. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

/** The user the server runs as, and the command prefix that runs a program as that user. */
function serverUser(): { uid: number; gid: number; asUser: string[] } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const line = readPasswd().find((entry) => entry[0] === name);
    if (line) return { uid: Number(line[2]), gid: Number(line[3]), asUser: ['runuser', '-u', name, '--'] };
  }
  throw new Error('running as root, and neither the postgres nor the nobody user exists to run PostgreSQL as');
}

function readPasswd(): string[][] {
  return readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts a server for test `t` (or anything with `after`, as the bench passes); it is stopped when the test ends. */
export async function startPostgres(t: { after(fn: () => Promise<void>): void }): Promise<TestPostgres> {
  if (!binDir) throw new Error(postgresSkipReason);
  // Not tempDir: the folder must outlive the server, which is stopped first.
  const dir = mkdtempSync(join(tmpdir(), 'peer-backup-pg-'));
  const data = join(dir, 'data');
  const user = serverUser();
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chmodSync(dir, 0o700);
  }
  const as = (program: string, args: string[]) => {
    const command = [...(user?.asUser ?? []), join(binDir, program), ...args];
    return run(command[0], command.slice(1), { cwd: dir });
  };
  let started = false;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      try {
        if (started) await as('pg_ctl', ['stop', '-m', 'immediate', '-w', '-D', data]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    })());
  t.after(stop);
  await as('initdb', ['-D', data, '-U', 'registry', '--auth=trust', '--encoding=UTF8', '--no-sync']);
  const port = await freePort();
  // The socket folder is the temp folder, so nothing outside it is touched; fsync off: a test's data need not survive a crash.
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c max_connections=200`;
  started = true;
  await as('pg_ctl', ['start', '-w', '-t', '60', '-D', data, '-l', join(dir, 'server.log'), '-o', options]);

  const admin = `postgres://registry@127.0.0.1:${port}/postgres`;
  let databases = 0;
  return {
    createDatabase: async () => {
      const name = `registry_${++databases}`;
      const client = new pg.Client(admin);
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://registry@127.0.0.1:${port}/${name}`;
    },
    stop,
  };
}
