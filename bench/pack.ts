/**
 * Packing speed and memory: `peer-backup pack` (the built CLI, a plan over
 * the tree with no excludes) against GNU `tar -czf` on the same tree. Both run
 * as child processes under /usr/bin/time, so wall time and peak RSS are
 * measured the same way. Rounds alternate the two, and each is reported by
 * its best time and its highest RSS, so load from elsewhere on the machine
 * skews both alike. Bounded: a round starts only if it should end within
 * 100 s of the first, and a run is killed after 100 s.
 *
 * node --import tsx bench/pack.ts [TREE]   (default: this project's node_modules; BENCH_ROUNDS, default 2)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { cliArgs, cliEnv } from '../scripts/lib/cli-args';

const root = resolve(__dirname, '..');
const tree = resolve(process.argv[2] ?? join(root, 'node_modules'));
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const budgetMs = 100_000;
const runTimeoutMs = 100_000;
const timeBinary = '/usr/bin/time';

interface Measure {
  seconds: number;
  maxRssKb: number;
  archiveBytes: number;
  stdout: string;
}

/** Runs `command` under /usr/bin/time; its last stderr line is "<seconds> <max RSS in KB>". */
function timed(command: string[], archive: string, env: NodeJS.ProcessEnv = process.env): Measure {
  rmSync(archive, { force: true });
  const result = spawnSync(timeBinary, ['-f', '%e %M', ...command], { encoding: 'utf8', env, timeout: runTimeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed (${result.status ?? result.signal}):\n${result.stderr}`);
  const [seconds, maxRssKb] = result.stderr.trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number];
  return { seconds, maxRssKb, archiveBytes: statSync(archive).size, stdout: result.stdout };
}

function main(): void {
  if (!existsSync(timeBinary)) throw new Error(`${timeBinary} is needed to measure peak memory: install it with "apt-get install time".`);
  if (!statSync(tree).isDirectory()) throw new Error(`${tree} is not a folder: pass a folder to pack.`);
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });

  const work = mkdtempSync(join(tmpdir(), 'peer-backup-bench-'));
  try {
    const home = join(work, 'home');
    mkdirSync(home);
    const cli = join(root, 'dist', 'cli.js');
    // From the tree's parent, so the archive holds the tree under its own name, as tar -C parent does.
    execFileSync(process.execPath, [...cliArgs(cli), '--home', home, 'plan', 'add', 'bench', basename(tree), '--no-default-excludes'], { cwd: dirname(tree), stdio: 'ignore', env: cliEnv(cli) });

    const ourArchive = join(work, 'ours.tar.gz');
    const tarArchive = join(work, 'gnu.tar.gz');
    const ours: Measure[] = [];
    const gnu: Measure[] = [];
    const started = Date.now();
    // Another round only if, at the pace so far, it ends within the budget.
    for (let round = 1; round <= rounds && (Date.now() - started) * (round / Math.max(round - 1, 1)) < budgetMs; round++) {
      ours.push(timed([process.execPath, ...cliArgs(cli), '--home', home, '--json', 'pack', 'bench', '--out', ourArchive, '--force'], ourArchive, cliEnv(cli)));
      gnu.push(timed(['tar', '-czf', tarArchive, '-C', dirname(tree), basename(tree)], tarArchive));
      process.stdout.write(`round ${round}: peer-backup ${ours.at(-1)!.seconds} s, GNU tar ${gnu.at(-1)!.seconds} s\n`);
    }

    const { files, directories, symlinks, bytes, skipped } = JSON.parse(ours[0]!.stdout) as { files: number; directories: number; symlinks: number; bytes: number; skipped: unknown[] };
    const best = (runs: Measure[]): Measure => ({ ...runs[0]!, seconds: Math.min(...runs.map((run) => run.seconds)), maxRssKb: Math.max(...runs.map((run) => run.maxRssKb)) });
    const a = best(ours);
    const b = best(gnu);
    const mb = (count: number) => (count / 1e6).toFixed(1);
    const row = (name: string, m: Measure) =>
      `${name.padEnd(12)} ${m.seconds.toFixed(2).padStart(7)} s ${(bytes / 1e6 / m.seconds).toFixed(1).padStart(7)} MB/s ${mb(m.maxRssKb * 1024).padStart(7)} MB RSS ${mb(m.archiveBytes).padStart(8)} MB archive`;
    process.stdout.write(
      [
        `Tree: ${tree}`,
        `      ${files} files (${mb(bytes)} MB), ${directories} folders, ${symlinks} symlinks, ${skipped.length} skipped; best of ${ours.length} round(s), gzip level 6 both`,
        row('peer-backup', a),
        row('GNU tar', b),
        `ratio ours/tar: time ${(a.seconds / b.seconds).toFixed(2)}x, peak RSS ${(a.maxRssKb / b.maxRssKb).toFixed(1)}x, archive size ${(a.archiveBytes / b.archiveBytes).toFixed(2)}x`,
        `(tar's peak RSS is the larger of tar and its gzip child; GNU tar stores hard-linked files once, we store every copy)`,
        '',
      ].join('\n'),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
