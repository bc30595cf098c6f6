/**
 * Registry look-up throughput and p50/p99 latency under concurrent load, beside a
 * bare node:http server answering the same JSON body in the same run, so the
 * ratio says what routing, validation, the store and logging cost. The two
 * are measured in alternating rounds and each reported by its median round,
 * so load from elsewhere on the machine skews both alike. Loopback only,
 * bounded in time (about rounds x 2 x (seconds + 1) s). Run:
 * node --import tsx bench/registry.ts   (BENCH_SECONDS: seconds per round, default 3; BENCH_ROUNDS: rounds, default 5)
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateIdentity } from '../src/core/identity/keys';
import { RegistryClient } from '../src/core/registry/registry-client';

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const connections = 16;
const root = resolve(__dirname, '..');

/** Answers every request with `BODY`, as cheaply as node:http allows. */
const bareServer = `
const body = Buffer.from(process.env.BODY);
const server = require('node:http').createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => console.log('bare listening on http://127.0.0.1:' + server.address().port));
`;

/** Starts a child whose output goes to a file (as a service's log would) and waits for its ready line. */
async function start(args: string[], logFile: string, env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; url: string }> {
  const out = openSync(logFile, 'w');
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const match = /listening on (http:\/\/\S+)/.exec(readFileSync(logFile, 'utf8'));
    if (match) return { child, url: match[1] };
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`${args.join(' ')} did not start:\n${readFileSync(logFile, 'utf8')}`);
    }
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
  }
}

interface Measure {
  perSecond: number;
  p50: number;
  p99: number;
}

async function measure(url: string): Promise<Measure> {
  await autocannon({ url, connections, duration: 1 }); // warm-up, not counted
  const result = await autocannon({ url, connections, duration: seconds });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  return { perSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

/** The round with the median throughput. */
function median(measures: Measure[]): Measure {
  return [...measures].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(measures.length / 2)];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'peer-backup-bench-registry-'));
  const children: ChildProcess[] = [];
  try {
    const registry = await start(
      ['--import', 'tsx', 'src/cli/main.ts', 'registry', '--port', '0', '--host', '127.0.0.1', '--home', dir, '--db', join(dir, 'registry.db'), '--rate-limit', '0'],
      join(dir, 'registry.log'),
    );
    children.push(registry.child);
    const peer = generateIdentity();
    await new RegistryClient(registry.url).announce(peer, 7421, ['127.0.0.1']);
    const lookupUrl = `${registry.url}/v2/peers/${peer.peerId}`;
    const body = await (await fetch(lookupUrl)).text();

    const bare = await start(['-e', bareServer], join(dir, 'bare.log'), { BODY: body });
    children.push(bare.child);

    const bareRounds: Measure[] = [];
    const lookupRounds: Measure[] = [];
    for (let round = 0; round < rounds; round++) {
      bareRounds.push(await measure(bare.url));
      lookupRounds.push(await measure(lookupUrl));
    }
    const baseline = median(bareRounds);
    const lookups = median(lookupRounds);
    // Rounds next to each other share the machine's load of the moment, so their ratio is steadier than the ratio of medians.
    const roundRatios = lookupRounds.map((round, index) => round.perSecond / bareRounds[index].perSecond).sort((a, b) => a - b);
    const pairedRatio = roundRatios[Math.floor(rounds / 2)];
    const row = (label: string, { perSecond, p50, p99 }: Measure) =>
      `  ${label.padEnd(22)} ${Math.round(perSecond).toString().padStart(7)} req/s   p50 ${p50} ms   p99 ${p99} ms`;
    console.log(
      [
        `registry look-ups: ${connections} connections, median of ${rounds} rounds of ${seconds} s, loopback, ${body.length}-byte JSON answer`,
        row('bare node:http', baseline),
        row('registry GET /v2/peers', lookups),
        `  ratio                  ${(lookups.perSecond / baseline.perSecond).toFixed(2)} of bare node:http throughput`,
        `  paired ratio           ${pairedRatio.toFixed(2)} (median of each round's ratio to the bare round just before it)`,
      ].join('\n'),
    );
  } finally {
    for (const child of children) child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
