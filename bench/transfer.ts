/**
 * A full backup over loopback: `peer-backup run` (pack, registry look-up,
 * TLS handshake and hello, signed upload, receipt) into a real receiver, against
 * `tar -czf - TREE | curl -T -` into a plain HTTP sink that only counts bytes,
 * in the same run. Reports wall time, MB/s of the tree, the ratio, and the
 * peak RSS of sender and receiver. Rounds alternate; the best time of each
 * side is compared, so load from elsewhere skews both alike.
 *
 * node --import tsx bench/transfer.ts [TREE]   (default: this project's node_modules; BENCH_ROUNDS, default 2)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { startUntilReady, type ReadyProcess } from '../scripts/lib/start-until-ready';
import { cliArgs, cliEnv } from '../scripts/lib/cli-args';

const root = resolve(__dirname, '..');
const cli = join(root, 'dist', 'cli.js');
const tree = resolve(process.argv[2] ?? join(root, 'node_modules'));
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const runTimeoutMs = 120_000;

/** Runs a command under /usr/bin/time: wall seconds and peak RSS in KB. */
function timed(command: string[], env: NodeJS.ProcessEnv = process.env): { seconds: number; maxRssKb: number } {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M', ...command], { encoding: 'utf8', env, timeout: runTimeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed (${result.status ?? result.signal}):\n${result.stderr}`);
  const [seconds, maxRssKb] = result.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { seconds, maxRssKb };
}

/** Peak resident memory of a live process, from /proc. */
function peakRssKb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((each) => each.startsWith('VmHWM:'));
  return Number(line?.split(/\s+/)[1] ?? 0);
}

function treeBytes(dir: string): number {
  return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
}

const sinkScript = `
  const server = require('node:http').createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk) => (bytes += chunk.length));
    req.on('end', () => res.end(JSON.stringify({ bytes })));
  });
  server.listen(0, '127.0.0.1', () => console.log('sink listening on ' + server.address().port));
`;

async function main(): Promise<void> {
  if (!statSync(tree).isDirectory()) throw new Error(`${tree} is not a folder: pass a folder to back up.`);
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  const work = mkdtempSync(join(tmpdir(), 'peer-backup-bench-'));
  const services: ReadyProcess[] = [];
  try {
    const homes = { registry: join(work, 'registry'), receiver: join(work, 'receiver'), sender: join(work, 'sender') };
    for (const home of Object.values(homes)) mkdirSync(home);
    const peer = (home: string, ...args: string[]) => execFileSync(process.execPath, [...cliArgs(cli), '--home', home, ...args], { encoding: 'utf8', cwd: dirname(tree), env: cliEnv(cli) }).trim();

    const registry = await startUntilReady(process.execPath, [...cliArgs(cli), '--home', homes.registry, 'registry', '--host', '127.0.0.1', '--port', '0', '--rate-limit', '0'], /registry listening on (\S+)/, { env: cliEnv(cli) });
    services.push(registry);
    const receiverId = peer(homes.receiver, 'id');
    const senderId = peer(homes.sender, 'id');
    peer(homes.receiver, 'allow', senderId, '--quota', '1TB');
    const receiver = await startUntilReady(
      process.execPath,
      [...cliArgs(cli), '--home', homes.receiver, 'receive', '--host', '127.0.0.1', '--port', '0', '--registry', registry.ready],
      /"event":"announced".*"port":(\d+)/,
      { env: cliEnv(cli) },
    );
    services.push(receiver);
    peer(homes.sender, 'plan', 'add', 'bench', basename(tree), '--no-default-excludes', '--dest', receiverId);
    const sink = await startUntilReady(process.execPath, ['-e', sinkScript], /sink listening on (\d+)/);
    services.push(sink);

    const bytes = treeBytes(tree);
    const ours: { seconds: number; maxRssKb: number }[] = [];
    const baseline: { seconds: number }[] = [];
    for (let round = 0; round < rounds; round++) {
      ours.push(timed([process.execPath, ...cliArgs(cli), '--home', homes.sender, 'run', 'bench', '--registry', registry.ready, '--no-retry'], cliEnv(cli)));
      baseline.push(
        timed(['bash', '-o', 'pipefail', '-c', `tar -czf - -C "${dirname(tree)}" "${basename(tree)}" | curl -sS --fail -T - http://127.0.0.1:${sink.ready}/sink -o /dev/null`]),
      );
    }
    const receiverRssKb = peakRssKb(receiver.child.pid!);
    const best = Math.min(...ours.map((each) => each.seconds));
    const bestBaseline = Math.min(...baseline.map((each) => each.seconds));
    const mbps = (seconds: number) => (bytes / 1e6 / seconds).toFixed(1);
    const files = Number(execFileSync('bash', ['-c', `find "${tree}" -type f | wc -l`], { encoding: 'utf8' }));
    process.stdout.write(
      [
        `tree: ${tree} (${files} files, ${(bytes / 1e6).toFixed(1)} MB), ${rounds} rounds, best of each`,
        `peer-backup run (pack + registry + hello + signed upload + receipt): ${best.toFixed(2)} s, ${mbps(best)} MB/s, sender peak RSS ${(Math.max(...ours.map((each) => each.maxRssKb)) / 1024).toFixed(0)} MB`,
        `receiver peak RSS: ${(receiverRssKb / 1024).toFixed(0)} MB`,
        `tar -czf | curl -T - into an HTTP sink: ${bestBaseline.toFixed(2)} s, ${mbps(bestBaseline)} MB/s`,
        `ratio (ours / baseline time): ${(best / bestBaseline).toFixed(2)}`,
      ].join('\n') + '\n',
    );
  } finally {
    await Promise.all(services.map((service) => service.stop()));
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench/transfer: ${err.message}\n`);
  process.exitCode = 1;
});
