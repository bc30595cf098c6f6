/**
 * The chunked store side by side with the tools it is measured against, in
 * one run, over loopback, with real processes (registry, receiver, the
 * built CLI):
 *
 * - first full backup against `tar -czf - TREE | curl -T -` into a plain HTTP
 *   sink, and against `restic backup` into a local repository when restic is
 *   installed;
 * - a backup with nothing changed (time, bytes sent), and what five of them
 *   add to the receiver's storage;
 * - restore of the whole tree against `tar -xzf` of a tar.gz of the same
 *   tree (and `restic restore`);
 * - restoring one small file: bytes fetched;
 * - one 1 MiB region changed in a 1 GiB file: bytes sent;
 * - peak memory of sender and receiver backing up a large tree
 *   (BENCH_LARGE_GB, default 6; 0 skips it).
 *
 * Each first backup uses a fresh sender home (a new storage secret, so
 * nothing deduplicates against an earlier round). Rounds alternate with the
 * baselines; medians are compared, so load from elsewhere skews both alike.
 *
 * node --import tsx bench/chunked-store.ts   (BENCH_ROUNDS, default 3)
 *
 * BENCH_PARTS picks parts (comma-separated; all by default): backup (first
 * and no-change backups), restore, big (the 1 GiB file), large (peak
 * memory); BENCH_TREES the trees (mixed, tiny). With restore alone, each
 * tree is backed up once and restored BENCH_ROUNDS times alternating with
 * tar -xzf. BENCH_BASELINE_CLI names another build's dist/cli.js: its first
 * and no-change backups, and its restores of this build's snapshot, then run
 * in the same rounds, alternating with this build's, against the same
 * receiver, so two builds meet the same load.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startUntilReady, type ReadyProcess } from '../scripts/lib/start-until-ready';
import { makeMixedTree, makeRandomFile, makeTinyTree } from './lib/generated-trees';
import { cliArgs, cliEnv } from '../scripts/lib/cli-args';

const root = resolve(__dirname, '..');
const cli = join(root, 'dist', 'cli.js');
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const largeGb = Number(process.env.BENCH_LARGE_GB ?? 6);
const parts = new Set((process.env.BENCH_PARTS ?? 'backup,restore,big,large').split(',').map((part) => part.trim()));
const treeNames = new Set((process.env.BENCH_TREES ?? 'mixed,tiny').split(',').map((name) => name.trim()));
const baselineCli = process.env.BENCH_BASELINE_CLI ? resolve(process.env.BENCH_BASELINE_CLI) : undefined;
const hasRestic = spawnSync('restic', ['version']).status === 0;
const resticEnv = { ...process.env, RESTIC_PASSWORD: 'bench' };

interface Timed {
  seconds: number;
  maxRssKb: number;
  stdout: string;
}

function timed(command: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Timed {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M', ...command], { encoding: 'utf8', cwd: options.cwd, env: options.env ?? process.env, timeout: 900_000, maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed (${result.status ?? result.signal}):\n${result.stderr.slice(-4000)}`);
  const [seconds, maxRssKb] = result.stderr.trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number];
  return { seconds, maxRssKb, stdout: result.stdout };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function duBytes(path: string): number {
  return existsSync(path) ? Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]) : 0;
}

function peakRssKb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((each) => each.startsWith('VmHWM:'));
  return Number(line?.split(/\s+/)[1] ?? 0);
}

/** Starts the process's peak RSS afresh, so what follows is measured alone. */
function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

const sinkScript = `
  const server = require('node:http').createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk) => (bytes += chunk.length));
    req.on('end', () => res.end(JSON.stringify({ bytes })));
  });
  server.listen(0, '127.0.0.1', () => console.log('sink listening on ' + server.address().port));
`;

const lines: string[] = [];
function say(line: string): void {
  lines.push(line);
  process.stdout.write(`${line}\n`);
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

async function main(): Promise<void> {
  if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is needed to measure peak memory: install it with "apt-get install time".');
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  const work = mkdtempSync(join(tmpdir(), 'peer-backup-bench-'));
  const services: ReadyProcess[] = [];
  try {
    const cliIn = (home: string, args: string[], cwd = work) => execFileSync(process.execPath, [...cliArgs(cli), '--home', home, ...args], { encoding: 'utf8', cwd, maxBuffer: 64 * 1024 * 1024, env: cliEnv(cli) }).trim();
    const registryHome = join(work, 'registry');
    mkdirSync(registryHome);
    const registry = await startUntilReady(process.execPath, [...cliArgs(cli), '--home', registryHome, 'registry', '--host', '127.0.0.1', '--port', '0', '--rate-limit', '0'], /registry listening on (\S+)/, { env: cliEnv(cli) });
    services.push(registry);
    const startReceiver = async (name: string) => {
      const home = join(work, name);
      mkdirSync(home);
      const id = cliIn(home, ['id']);
      const process_ = await startUntilReady(
        process.execPath,
        [...cliArgs(cli), '--home', home, 'receive', '--host', '127.0.0.1', '--port', '0', '--registry', registry.ready],
        /"event":"announced".*"port":(\d+)/,
        { env: cliEnv(cli), timeoutMs: 60_000 },
      );
      services.push(process_);
      return { home, id, process: process_, storageOf: (senderId: string) => join(home, 'storage', senderId) };
    };
    let senders = 0;
    /** A sender with a home of its own, running `senderCli` (this build's unless a baseline's). */
    const newSender = (receiver: { home: string; id: string }, tree: string, plan: string, senderCli = cli) => {
      const home = join(work, `sender-${++senders}`);
      mkdirSync(home);
      const senderIn = (args: string[]) => execFileSync(process.execPath, [...cliArgs(senderCli), '--home', home, ...args], { encoding: 'utf8', cwd: work, env: cliEnv(senderCli) }).trim();
      const id = senderIn(['id']);
      cliIn(receiver.home, ['allow', id, '--quota', '1TB']);
      senderIn(['plan', 'add', plan, tree, '--no-default-excludes', '--dest', receiver.id]);
      const run = () => {
        const measured = timed([process.execPath, ...cliArgs(senderCli), '--home', home, '--json', 'run', plan, '--registry', registry.ready, '--no-retry'], { env: cliEnv(senderCli) });
        const done = JSON.parse(measured.stdout) as { bytes: number; snapshotId: string };
        return { ...measured, sent: done.bytes, snapshotId: done.snapshotId };
      };
      const restore = (snapshotId: string, to: string, path?: string, restoreCli = cli) => {
        const measured = timed([process.execPath, ...cliArgs(restoreCli), '--home', home, '--json', 'restore', snapshotId, '--to', to, '--registry', registry.ready, ...(path ? ['--path', path] : [])], { env: cliEnv(restoreCli) });
        return { ...measured, result: JSON.parse(measured.stdout) as { fetchedBytes: number } };
      };
      return { home, id, run, restore };
    };
    const receiver = await startReceiver('receiver');
    const sink = await startUntilReady(process.execPath, ['-e', sinkScript], /sink listening on (\d+)/);
    services.push(sink);

    const trees = [
      { name: 'mixed', dir: join(work, 'mixed'), make: makeMixedTree },
      { name: 'tiny', dir: join(work, 'tiny'), make: makeTinyTree },
    ].filter((tree) => treeNames.has(tree.name));
    for (const tree of trees) {
      const facts = tree.make(tree.dir);
      say(`\n## ${tree.name}: ${facts.files} files, ${mb(facts.bytes)}; ${rounds} rounds, medians`);
      const tarball = join(work, `${tree.name}.tar.gz`);
      execFileSync('tar', ['-czf', tarball, '-C', tree.dir, '.']);

      let sender = newSender(receiver, tree.dir, tree.name);
      let first = sender.run();
      let snapshotId = first.snapshotId;
      if (parts.has('backup')) {
        // First full backups: ours (fresh sender each round), tar | curl, restic.
        const ours: number[] = [];
        const oursRss: number[] = [];
        const tarCurl: number[] = [];
        const restic: number[] = [];
        const baseline: number[] = [];
        const baselineRss: number[] = [];
        const baselineUnchanged: number[] = [];
        const unchangedPaired: number[] = [];
        let baselineSent = 0;
        for (let round = 0; round < rounds; round++) {
          if (round > 0) {
            sender = newSender(receiver, tree.dir, tree.name);
            first = sender.run();
          }
          ours.push(first.seconds);
          oursRss.push(first.maxRssKb);
          if (baselineCli) {
            const other = newSender(receiver, tree.dir, tree.name, baselineCli);
            const otherFirst = other.run();
            baseline.push(otherFirst.seconds);
            baselineRss.push(otherFirst.maxRssKb);
            baselineSent = otherFirst.sent;
            // No-change runs alternate too: baseline, this build, so each pair meets the same load.
            baselineUnchanged.push(other.run().seconds);
            unchangedPaired.push(sender.run().seconds);
          }
          tarCurl.push(timed(['bash', '-o', 'pipefail', '-c', `tar -czf - -C "${tree.dir}" . | curl -sS --fail -T - http://127.0.0.1:${sink.ready}/sink -o /dev/null`]).seconds);
          if (hasRestic) {
            const repo = join(work, `restic-${tree.name}-${round}`);
            execFileSync('restic', ['-r', repo, 'init', '-q'], { env: resticEnv });
            restic.push(timed(['restic', '-r', repo, 'backup', '-q', '.'], { cwd: tree.dir, env: resticEnv }).seconds);
            if (round < rounds - 1) rmSync(repo, { recursive: true, force: true });
          }
        }
        say(`first backup: ${median(ours).toFixed(2)} s (${mb(first.sent)} sent, sender peak RSS ${(Math.max(...oursRss) / 1024).toFixed(0)} MB)`);
        say(`tar -czf | curl -T - : ${median(tarCurl).toFixed(2)} s; ratio ours / tar|curl = ${(median(ours) / median(tarCurl)).toFixed(2)}`);
        if (hasRestic) say(`restic backup: ${median(restic).toFixed(2)} s; ratio ours / restic = ${(median(ours) / median(restic)).toFixed(2)}`);
        else say('restic backup: restic is not installed, not compared');
        if (baselineCli) {
          say(`baseline build, first backup: ${median(baseline).toFixed(2)} s (${mb(baselineSent)} sent, sender peak RSS ${(Math.max(...baselineRss) / 1024).toFixed(0)} MB); ratio this / baseline = ${(median(ours) / median(baseline)).toFixed(2)}`);
          say(`no-change backup, paired: this ${median(unchangedPaired).toFixed(2)} s, baseline ${median(baselineUnchanged).toFixed(2)} s; ratio this / baseline = ${(median(unchangedPaired) / median(baselineUnchanged)).toFixed(2)}`);
        }

        // Nothing changed: five runs.
        const storedBefore = duBytes(receiver.storageOf(sender.id));
        const unchanged = Array.from({ length: 5 }, () => sender.run());
        const storedAfter = duBytes(receiver.storageOf(sender.id));
        const unchangedSeconds = median(unchanged.map((each) => each.seconds));
        const unchangedSent = Math.max(...unchanged.map((each) => each.sent));
        say(`no-change backup: ${unchangedSeconds.toFixed(2)} s, at most ${unchangedSent} bytes sent (${((100 * unchangedSent) / first.sent).toFixed(3)}% of the first run)`);
        say(`after 5 unchanged runs the receiver's storage grew ${storedAfter - storedBefore} bytes (${((100 * (storedAfter - storedBefore)) / storedBefore).toFixed(3)}%)`);
        snapshotId = unchanged.at(-1)!.snapshotId;
      }

      if (parts.has('restore')) {
        // Whole restore against tar -xzf (and restic restore), alternating.
        const restores: number[] = [];
        const restoreRss: number[] = [];
        const untars: number[] = [];
        const resticRestores: number[] = [];
        const baselineRestores: number[] = [];
        const baselineRestoreRss: number[] = [];
        const receiverPid = receiver.process.child.pid!;
        resetPeakRss(receiverPid);
        // Every round extracts into folders of its own, left until the bench's work folder is
        // deleted at the end: on a disk mounted with discard, the blocks freed by deleting
        // 100,000 files slow the next extraction in the kernel for a minute or more, whichever
        // tool runs next, and the next tree's too.
        for (let round = 0; round < rounds; round++) {
          const to = join(work, `restore-${tree.name}-${round}`);
          const untarTo = join(work, `untar-${tree.name}-${round}`);
          execFileSync('sync');
          const restored = sender.restore(snapshotId, to);
          restores.push(restored.seconds);
          restoreRss.push(restored.maxRssKb);
          execFileSync('sync');
          mkdirSync(untarTo);
          untars.push(timed(['tar', '-xzf', tarball, '-C', untarTo]).seconds);
          if (baselineCli) {
            const baselineTo = join(work, `baseline-restore-${tree.name}-${round}`);
            execFileSync('sync');
            const baselineRestored = sender.restore(snapshotId, baselineTo, undefined, baselineCli);
            baselineRestores.push(baselineRestored.seconds);
            baselineRestoreRss.push(baselineRestored.maxRssKb);
          }
          if (hasRestic && parts.has('backup')) {
            const resticTo = join(work, `restic-restore-${tree.name}-${round}`);
            execFileSync('sync');
            resticRestores.push(timed(['restic', '-r', join(work, `restic-${tree.name}-${rounds - 1}`), 'restore', 'latest', '-q', '--target', resticTo], { env: resticEnv }).seconds);
          }
        }
        say(`restore: ${median(restores).toFixed(2)} s; tar -xzf: ${median(untars).toFixed(2)} s; ratio = ${(median(restores) / median(untars)).toFixed(2)}`);
        say(`restore peak RSS ${(Math.max(...restoreRss) / 1024).toFixed(0)} MB; receiver peak RSS while serving the restores ${(peakRssKb(receiverPid) / 1024).toFixed(0)} MB`);
        if (baselineCli) {
          say(`baseline build, restore: ${median(baselineRestores).toFixed(2)} s, peak RSS ${(Math.max(...baselineRestoreRss) / 1024).toFixed(0)} MB; ratio this / baseline = ${(median(restores) / median(baselineRestores)).toFixed(2)}`);
        }
        if (resticRestores.length > 0) say(`restic restore: ${median(resticRestores).toFixed(2)} s; ratio ours / restic = ${(median(restores) / median(resticRestores)).toFixed(2)}`);
      }

      if (tree.name === 'mixed') {
        // One file of about 10 KB out of the snapshot: what it costs to fetch.
        const one = execFileSync('bash', ['-c', `cd "${tree.dir}" && find . -type f -size +8k -size -12k | sort | head -1`], { encoding: 'utf8' }).trim().replace(/^\.\//, '');
        const to = join(work, 'restore-one');
        // The plan keeps the tree under its folder's name.
        const single = sender.restore(snapshotId, to, `${tree.name}/${one}`);
        say(`restoring one file (${one}, ${duBytes(join(tree.dir, one))} bytes): ${mb(single.result.fetchedBytes)} fetched, ${single.seconds.toFixed(2)} s`);
        rmSync(to, { recursive: true, force: true });
      }
      rmSync(tarball, { force: true });
    }

    // One 1 MiB region changed in a 1 GiB file.
    if (parts.has('big')) {
      const bigDir = join(work, 'big');
      mkdirSync(bigDir);
      makeRandomFile(join(bigDir, 'disk.img'), 1024 * 1024 * 1024);
      const bigSender = newSender(receiver, bigDir, 'big');
      const bigFirst = bigSender.run();
      const fd = openSync(join(bigDir, 'disk.img'), 'r+');
      writeSync(fd, Buffer.alloc(1024 * 1024, 0x5a), 0, 1024 * 1024, 512 * 1024 * 1024 + 12345);
      closeSync(fd);
      const bigChanged = bigSender.run();
      say(`\n## 1 GiB file: first backup ${mb(bigFirst.sent)} sent in ${bigFirst.seconds.toFixed(2)} s; after changing 1 MiB in the middle: ${mb(bigChanged.sent)} sent in ${bigChanged.seconds.toFixed(2)} s`);
      rmSync(bigDir, { recursive: true, force: true });
    }

    if (parts.has('large') && largeGb > 0) {
      // Peak memory on a large tree, with a receiver of its own so its peak is this backup's.
      const largeDir = join(work, 'large');
      mkdirSync(largeDir);
      for (let index = 0; index < largeGb; index++) makeRandomFile(join(largeDir, `part-${index}.bin`), 1024 * 1024 * 1024, 100 + index);
      makeMixedTree(join(largeDir, 'src'), 20_000, 100 * 1024 * 1024, 3);
      const largeReceiver = await startReceiver('large-receiver');
      const largeSender = newSender(largeReceiver, largeDir, 'large');
      const large = largeSender.run();
      say(`\n## ${largeGb} GiB tree + 20,000 files: backup ${large.seconds.toFixed(1)} s, ${mb(large.sent)} sent; sender peak RSS ${(large.maxRssKb / 1024).toFixed(0)} MB, receiver peak RSS ${(peakRssKb(largeReceiver.process.child.pid!) / 1024).toFixed(0)} MB`);
      rmSync(largeDir, { recursive: true, force: true });
    }
  } finally {
    await Promise.all(services.map((service) => service.stop()));
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench/chunked-store: ${err.message}\n`);
  process.exitCode = 1;
});
