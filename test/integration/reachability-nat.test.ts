/**
 * Reachability across a real NAT: three network namespaces made (and always
 * removed) by the test. "home" holds the receiver on a private network;
 * "router" masquerades home's traffic out to "internet", where the registry
 * and the sender are. Without a port forward the registry cannot connect
 * back, the receiver says so, and a backup from the internet fails as
 * "announced but unreachable"; once the router forwards the port (DNAT), the
 * receiver is told it is reachable and the backup goes through.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startUntilReady, type ReadyProcess } from '../../scripts/lib/start-until-ready';
import { cliPath } from '../helpers/cli';
import { writeFixtureTree } from '../helpers/fixture-tree';
import { allow, makeHome } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

const run = promisify(execFile);

function has(program: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const skip =
  process.getuid?.() !== 0
    ? 'network namespaces and NAT rules need root'
    : !has('ip') || !has('iptables')
      ? 'the ip and iptables commands are needed (scripts/setup-postgres.sh installs iptables)'
      : false;

const homeIp = '10.77.1.2';
const routerInsideIp = '10.77.1.1';
const routerOutsideIp = '203.0.113.2';
const internetIp = '203.0.113.1';
const receiverPort = 7421;
const registryUrl = `http://${internetIp}:7420`;

interface Namespaces {
  home: string;
  router: string;
  internet: string;
}

/** Builds home -- router (MASQUERADE) -- internet, with names of their own so parallel runs do not meet. */
async function makeNat(t: { after(fn: () => Promise<void>): void }): Promise<Namespaces> {
  const tag = randomBytes(3).toString('hex');
  const ns: Namespaces = { home: `pbh${tag}`, router: `pbr${tag}`, internet: `pbi${tag}` };
  const [homeLink, routerInside, routerOutside, internetLink] = [`pbh${tag}a`, `pbh${tag}b`, `pbi${tag}a`, `pbi${tag}b`];
  // Registered first, so it runs even when building fails half-way; deleting a namespace deletes its links.
  t.after(async () => {
    for (const name of Object.values(ns)) await run('ip', ['netns', 'del', name]).catch(() => undefined);
  });
  const ip = (...args: string[]) => run('ip', args);
  for (const name of Object.values(ns)) {
    await ip('netns', 'add', name);
    await ip('-n', name, 'link', 'set', 'lo', 'up');
  }
  await ip('link', 'add', homeLink, 'type', 'veth', 'peer', 'name', routerInside);
  await ip('link', 'add', routerOutside, 'type', 'veth', 'peer', 'name', internetLink);
  for (const [link, name, address] of [
    [homeLink, ns.home, `${homeIp}/24`],
    [routerInside, ns.router, `${routerInsideIp}/24`],
    [routerOutside, ns.router, `${routerOutsideIp}/24`],
    [internetLink, ns.internet, `${internetIp}/24`],
  ]) {
    await ip('link', 'set', link, 'netns', name);
    await ip('-n', name, 'addr', 'add', address, 'dev', link);
    await ip('-n', name, 'link', 'set', link, 'up');
  }
  // The internet has no route to the private network: only the router's outside address is reachable there.
  await ip('-n', ns.home, 'route', 'add', 'default', 'via', routerInsideIp);
  await run('ip', ['netns', 'exec', ns.router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  await run('ip', ['netns', 'exec', ns.router, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', routerOutside, '-j', 'MASQUERADE']);
  return ns;
}

function forwardPort(ns: Namespaces): Promise<unknown> {
  return run('ip', ['netns', 'exec', ns.router, 'iptables', '-t', 'nat', '-A', 'PREROUTING', '-d', routerOutsideIp, '-p', 'tcp', '--dport', String(receiverPort), '-j', 'DNAT', '--to-destination', `${homeIp}:${receiverPort}`]);
}

/** Runs the built CLI inside namespace `name`. */
function cliIn(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', name, process.execPath, cliPath, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function startCliIn(t: { after(fn: () => Promise<unknown>): void }, name: string, args: string[], ready: RegExp): Promise<ReadyProcess> {
  // `ip netns exec` replaces itself with the program, so stopping it stops the CLI.
  const started = await startUntilReady('ip', ['netns', 'exec', name, process.execPath, cliPath, ...args], ready, { timeoutMs: 30_000 });
  t.after(() => started.stop('SIGKILL'));
  return started;
}

const reachabilityLine = /^(Teammates .*|Could not check.*)$/;

test('behind NAT without a port forward a receiver is told teammates cannot reach it; with one, it is reachable and a backup goes through', { skip, timeout: 180_000 }, async (t) => {
  const ns = await makeNat(t);
  await startCliIn(t, ns.internet, ['registry', '--host', internetIp, '--port', '7420', '--home', tempDir(t)], /registry listening on/);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '10MB');
  const receive = ['receive', '--port', String(receiverPort), '--registry', registryUrl, '--home', receiver.home];

  const hidden = await startCliIn(t, ns.home, receive, reachabilityLine);
  assert.match(hidden.ready, new RegExp(`^Teammates cannot reach you: forward TCP port ${receiverPort} to this machine, or enable UPnP on your router \\(the registry tried ${routerOutsideIp.replaceAll('.', '\\.')}:${receiverPort}: the connection was refused`));

  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registryUrl };
  const work = writeFixtureTree(join(tempDir(t), 'project'));
  assert.equal((await cliIn(ns.internet, ['dest', 'add', 'teammate', receiver.peerId], env)).code, 0);
  assert.equal((await cliIn(ns.internet, ['plan', 'add', 'nightly', work, '--dest', 'teammate'], env)).code, 0);
  const refused = await cliIn(ns.internet, ['run', 'nightly', '--no-retry'], env);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, new RegExp(`${receiver.peerId} is announced but cannot be reached from here at any address it announced \\(https://${homeIp.replaceAll('.', '\\.')}:${receiverPort}: .*\\(the address the registry saw\\)`));

  await hidden.stop();
  await forwardPort(ns);
  const forwarded = await startCliIn(t, ns.home, receive, reachabilityLine);
  assert.equal(forwarded.ready, `Teammates can reach you at ${routerOutsideIp}:${receiverPort}`);
  const backup = await cliIn(ns.internet, ['run', 'nightly', '--json'], env);
  assert.equal(backup.code, 0, backup.stderr);
  assert.equal((JSON.parse(backup.stdout) as { status: string }).status, 'succeeded');
});
