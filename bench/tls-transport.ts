/**
 * What TLS costs a backup: a full `peer-backup run` over loopback of one
 * tree with this checkout's CLI (TLS 1.3 between sender and receiver)
 * against the CLI of the last commit with the plain-HTTP transport, each
 * into its own receiver. Rounds alternate, so load from elsewhere skews both
 * alike; medians and their ratio are reported.
 *
 * node --import tsx bench/tls-transport.ts [TREE]
 *   (default: a generated 200 MiB tree of mixed files; BENCH_ROUNDS, default 5;
 *   BENCH_PLAIN_COMMIT, default d1f2fd8)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { startUntilReady, type ReadyProcess } from '../scripts/lib/start-until-ready';
import { cliArgs, cliEnv } from '../scripts/lib/cli-args';

const root = resolve(__dirname, '..');
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const plainCommit = process.env.BENCH_PLAIN_COMMIT ?? 'd1f2fd8';
const runTimeoutMs = 300_000;

/** 200 MiB in files from 1 KiB to 16 MiB: half incompressible, half text that gzip shrinks. */
function generateTree(dir: string): void {
  const sizes = [16 << 20, 8 << 20, 4 << 20, 1 << 20, 256 << 10, 64 << 10, 16 << 10, 1 << 10];
  const text = Buffer.from('peer backup bench line, compressible but not trivially so: 0123456789 abcdefghij\n'.repeat(1 << 18));
  let total = 0;
  for (let index = 0; total < 200 << 20; index++) {
    const size = sizes[index % sizes.length];
    const folder = join(dir, `folder-${index % 7}`);
    mkdirSync(folder, { recursive: true });
    const contents = index % 2 === 0 ? randomBytes(size) : Buffer.concat([randomBytes(64), text]).subarray(0, size);
    writeFileSync(join(folder, `file-${index}.${index % 2 === 0 ? 'bin' : 'txt'}`), contents);
    total += size;
  }
}

/** The CLI of `commit`, built in a folder of its own that borrows this checkout's node_modules. */
function buildCliOf(commit: string, dir: string): string {
  mkdirSync(dir);
  execFileSync('bash', ['-o', 'pipefail', '-c', `git -C "${root}" archive "${commit}" | tar -x -C "${dir}"`], { stdio: 'inherit' });
  symlinkSync(realpathSync(join(root, 'node_modules')), join(dir, 'node_modules'));
  execFileSync(process.execPath, [join(dir, 'scripts', 'build.mjs')], { cwd: dir, stdio: 'inherit' });
  return join(dir, 'dist', 'cli.js');
}

interface Side {
  name: string;
  cli: string;
  senderHome: string;
  registryUrl: string;
  seconds: number[];
}

/** A registry, a receiver and a sender home, all of `cli`'s own version: the registry's protocol changed along with the transport. */
async function prepareSide(name: string, cli: string, work: string, tree: string, services: ReadyProcess[]): Promise<Side> {
  const registryHome = join(work, `${name}-registry`);
  const receiverHome = join(work, `${name}-receiver`);
  const senderHome = join(work, `${name}-sender`);
  for (const home of [registryHome, receiverHome, senderHome]) mkdirSync(home);
  // The registry only introduces the peers; it is not on the timed path beyond one look-up per run.
  const registry = await startUntilReady(process.execPath, [...cliArgs(cli), '--home', registryHome, 'registry', '--host', '127.0.0.1', '--port', '0', '--rate-limit', '0'], /registry listening on (\S+)/, { env: cliEnv(cli) });
  services.push(registry);
  const registryUrl = registry.ready;
  const peer = (home: string, ...args: string[]) => execFileSync(process.execPath, [...cliArgs(cli), '--home', home, ...args], { encoding: 'utf8', cwd: dirname(tree), env: cliEnv(cli) }).trim();
  const receiverId = peer(receiverHome, 'id');
  peer(receiverHome, 'allow', peer(senderHome, 'id'), '--quota', '1TB');
  const receiver = await startUntilReady(
    process.execPath,
    [...cliArgs(cli), '--home', receiverHome, 'receive', '--host', '127.0.0.1', '--port', '0', '--registry', registryUrl],
    /"event":"announced".*"port":(\d+)/,
    { env: cliEnv(cli) },
  );
  services.push(receiver);
  peer(senderHome, 'plan', 'add', 'bench', basename(tree), '--no-default-excludes', '--dest', receiverId);
  return { name, cli, senderHome, registryUrl, seconds: [] };
}

function timeRun(side: Side): void {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [...cliArgs(side.cli), '--home', side.senderHome, 'run', 'bench', '--registry', side.registryUrl, '--no-retry'], {
    encoding: 'utf8',
    env: cliEnv(side.cli),
    timeout: runTimeoutMs,
  });
  if (result.status !== 0) throw new Error(`${side.name}: peer-backup run failed (${result.status ?? result.signal}):\n${result.stderr}`);
  side.seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'peer-backup-bench-tls-'));
  const services: ReadyProcess[] = [];
  try {
    let tree = process.argv[2] ? resolve(process.argv[2]) : join(work, 'tree');
    if (!process.argv[2]) generateTree(tree);
    tree = realpathSync(tree);
    execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
    const tlsCli = join(root, 'dist', 'cli.js');
    const plainCli = buildCliOf(plainCommit, join(work, 'plain'));
    const sides = [await prepareSide('tls', tlsCli, work, tree, services), await prepareSide('plain', plainCli, work, tree, services)];
    const bytes = Number(execFileSync('du', ['-sb', tree], { encoding: 'utf8' }).split('\t')[0]);
    for (let round = 0; round < rounds; round++) {
      // Who goes first alternates too, so neither always runs on a warmer cache.
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) timeRun(side);
    }
    const [tls, plain] = sides.map((side) => median(side.seconds));
    const mbps = (seconds: number) => (bytes / 1e6 / seconds).toFixed(1);
    process.stdout.write(
      [
        `tree: ${tree} (${(bytes / 1e6).toFixed(1)} MB), ${rounds} rounds, alternating`,
        ...sides.map((side) => `${side.name.padEnd(5)} runs: ${side.seconds.map((seconds) => seconds.toFixed(2)).join(' ')} s`),
        `TLS 1.3 (this checkout): median ${tls.toFixed(2)} s, ${mbps(tls)} MB/s`,
        `plain HTTP (${plainCommit}): median ${plain.toFixed(2)} s, ${mbps(plain)} MB/s`,
        `ratio (TLS / plain median time): ${(tls / plain).toFixed(3)}`,
      ].join('\n') + '\n',
    );
  } finally {
    await Promise.all(services.map((service) => service.stop()));
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench/tls-transport: ${err.message}\n`);
  process.exitCode = 1;
});
