/**
 * A NAT between network namespaces, made (and always removed) by a test:
 * "home" holds a machine on a private network; "router" masquerades home's
 * traffic out to "internet", which has no route back to the private network.
 * Needs root, `ip` and `iptables`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { startUntilReady, type ReadyProcess } from '../../scripts/lib/start-until-ready';
import { cliPath } from './cli';
import { cliArgs, cliEnv } from '../../scripts/lib/cli-args';

export const run = promisify(execFile);

export function has(program: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface Nat {
  ns: { home: string; router: string; internet: string };
  /** The router's links: inside (to home) and outside (to the internet). */
  links: { routerInside: string; routerOutside: string };
  homeIp: string;
  routerInsideIp: string;
  routerOutsideIp: string;
  internetIp: string;
}

type AfterContext = { after(fn: () => Promise<unknown>): void };

/**
 * Builds home -- router (MASQUERADE) -- internet, with names of their own so
 * parallel runs do not meet. `insidePrefix` and `outsidePrefix` are the
 * first three octets of the two /24 networks.
 */
export async function makeNat(t: AfterContext, insidePrefix: string, outsidePrefix: string): Promise<Nat> {
  const tag = randomBytes(3).toString('hex');
  const ns = { home: `pbh${tag}`, router: `pbr${tag}`, internet: `pbi${tag}` };
  const [homeLink, routerInside, routerOutside, internetLink] = [`pbh${tag}a`, `pbh${tag}b`, `pbi${tag}a`, `pbi${tag}b`];
  const nat: Nat = {
    ns,
    links: { routerInside, routerOutside },
    homeIp: `${insidePrefix}.2`,
    routerInsideIp: `${insidePrefix}.1`,
    routerOutsideIp: `${outsidePrefix}.2`,
    internetIp: `${outsidePrefix}.1`,
  };
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
    [homeLink, ns.home, `${nat.homeIp}/24`],
    [routerInside, ns.router, `${nat.routerInsideIp}/24`],
    [routerOutside, ns.router, `${nat.routerOutsideIp}/24`],
    [internetLink, ns.internet, `${nat.internetIp}/24`],
  ]) {
    await ip('link', 'set', link, 'netns', name);
    await ip('-n', name, 'addr', 'add', address, 'dev', link);
    await ip('-n', name, 'link', 'set', link, 'up');
  }
  await ip('-n', ns.home, 'route', 'add', 'default', 'via', nat.routerInsideIp);
  await inNamespace(ns.router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
  await inNamespace(ns.router, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', routerOutside, '-j', 'MASQUERADE');
  return nat;
}

export function inNamespace(name: string, program: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('ip', ['netns', 'exec', name, program, ...args]);
}

/** Runs the built CLI inside namespace `name`. */
export function cliIn(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', name, process.execPath, ...cliArgs(cliPath), ...args], { env: cliEnv(cliPath, { ...process.env, ...env }) }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Starts the built CLI inside namespace `name` until it prints `ready`; killed when the test ends. */
export async function startCliIn(t: AfterContext, name: string, args: string[], ready: RegExp): Promise<ReadyProcess> {
  // `ip netns exec` replaces itself with the program, so stopping it stops the CLI.
  const started = await startUntilReady('ip', ['netns', 'exec', name, process.execPath, ...cliArgs(cliPath), ...args], ready, { env: cliEnv(cliPath), timeoutMs: 30_000 });
  t.after(() => started.stop('SIGKILL'));
  return started;
}

/** The line `receive` prints once it knows whether teammates can reach it. */
export const reachabilityLine = /^(Teammates .*|Could not check.*)$/;
