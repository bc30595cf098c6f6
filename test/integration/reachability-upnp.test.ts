/**
 * Port mapping across a real NAT: the router namespace runs miniupnpd (UPnP
 * IGD and NAT-PMP, Debian's nftables build), and no one forwards the port by
 * hand. The receiver asks the router itself, the registry reaches it at the
 * router's address, a backup from the internet goes through, and once the
 * receiver stops the router forwards nothing.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { startUntilReady } from '../../scripts/lib/start-until-ready';
import { writeFixtureTree } from '../helpers/fixture-tree';
import { cliIn, has, inNamespace, makeNat, reachabilityLine, startCliIn, type Nat } from '../helpers/nat';
import { allow, makeHome } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

const miniupnpd = '/usr/sbin/miniupnpd';

const skip =
  process.getuid?.() !== 0
    ? 'network namespaces and a router daemon need root'
    : !has('ip') || !has('iptables')
      ? 'the ip and iptables commands are needed (scripts/setup-postgres.sh installs iptables)'
      : !existsSync(miniupnpd) || !has('nft')
        ? 'miniupnpd and nft are needed (scripts/setup-nat-test.sh installs them)'
        : false;

const receiverPort = 7421;

/**
 * The chains Debian's nftables miniupnpd adds its rules to (its nft_init.sh
 * makes the same), with nothing dropped: this router forwards everything
 * else as the plain NAT does.
 */
const miniupnpdChains = `
table inet filter {
  chain forward { type filter hook forward priority 0; policy accept; jump miniupnpd; }
  chain miniupnpd { }
  chain prerouting { type nat hook prerouting priority -100; policy accept; jump prerouting_miniupnpd; }
  chain postrouting { type nat hook postrouting priority 100; policy accept; jump postrouting_miniupnpd; }
  chain prerouting_miniupnpd { }
  chain postrouting_miniupnpd { }
}
`;

/** Starts miniupnpd in the router, serving the home network (by NAT-PMP only unless `upnp`); stopped when the test ends. */
async function startRouterDaemon(t: { after(fn: () => Promise<unknown>): void }, nat: Nat, dir: string, upnp = true): Promise<void> {
  const chains = join(dir, 'chains.nft');
  writeFileSync(chains, miniupnpdChains);
  await inNamespace(nat.ns.router, 'nft', '-f', chains);
  const config = join(dir, 'miniupnpd.conf');
  writeFileSync(
    config,
    [
      `ext_ifname=${nat.links.routerOutside}`,
      `listening_ip=${nat.links.routerInside}`,
      'port=0',
      `enable_upnp=${upnp ? 'yes' : 'no'}`,
      'enable_natpmp=yes',
      'secure_mode=yes',
      'system_uptime=yes',
      `uuid=${randomUUID()}`,
      `lease_file=${join(dir, 'leases')}`,
      `allow 1024-65535 ${nat.homeIp.replace(/\.\d+$/, '.0')}/24 1024-65535`,
      'deny 0-65535 0.0.0.0/0 0-65535',
      '',
    ].join('\n'),
  );
  // -d: in the foreground, logging to stderr; -P: its pid file in the test's folder, not /run.
  const daemon = await startUntilReady('ip', ['netns', 'exec', nat.ns.router, miniupnpd, '-d', '-f', config, '-P', join(dir, 'miniupnpd.pid')], /Listening for NAT-PMP/, {
    timeoutMs: 30_000,
  });
  t.after(() => daemon.stop('SIGTERM'));
}

async function forwardedRules(nat: Nat): Promise<string> {
  const { stdout } = await inNamespace(nat.ns.router, 'nft', 'list', 'chain', 'inet', 'filter', 'prerouting_miniupnpd');
  return stdout;
}

test('behind a UPnP router with no port forward, the receiver maps its port itself, is reachable, takes a backup, and removes the mapping when it stops', { skip, timeout: 180_000 }, async (t) => {
  // miniupnpd refuses to serve when its outside address is private or reserved (documentation ranges too), so this internet
  // has addresses of a public block; the namespaces are closed, nothing leaves them.
  const nat = await makeNat(t, '10.78.1', '198.20.13');
  const { ns, homeIp, routerOutsideIp, routerInsideIp, internetIp } = nat;
  await startRouterDaemon(t, nat, tempDir(t));
  const registryUrl = `http://${internetIp}:7420`;
  await startCliIn(t, ns.internet, ['registry', '--host', internetIp, '--port', '7420', '--home', tempDir(t)], /registry listening on/);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '10MB');

  const receiving = await startCliIn(t, ns.home, ['receive', '--port', String(receiverPort), '--registry', registryUrl, '--home', receiver.home], reachabilityLine);
  assert.match(receiving.output(), new RegExp(`^Your router \\(${routerInsideIp.replaceAll('.', '\\.')}, UPnP\\) forwards ${routerOutsideIp.replaceAll('.', '\\.')}:${receiverPort} to this machine's port ${receiverPort} while receiving$`, 'm'));
  assert.equal(receiving.ready, `Teammates can reach you at ${routerOutsideIp}:${receiverPort}`);
  assert.match(await forwardedRules(nat), new RegExp(`dport ${receiverPort} dnat ip to ${homeIp.replaceAll('.', '\\.')}:${receiverPort}`));

  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registryUrl };
  const work = writeFixtureTree(join(tempDir(t), 'project'));
  assert.equal((await cliIn(ns.internet, ['dest', 'add', 'teammate', receiver.peerId], env)).code, 0);
  assert.equal((await cliIn(ns.internet, ['plan', 'add', 'nightly', work, '--dest', 'teammate'], env)).code, 0);
  const backup = await cliIn(ns.internet, ['run', 'nightly', '--json', '--no-retry'], env);
  assert.equal(backup.code, 0, backup.stderr);
  assert.equal((JSON.parse(backup.stdout) as { status: string }).status, 'succeeded');

  assert.equal(await receiving.stop('SIGINT'), 0, receiving.output());
  assert.doesNotMatch(await forwardedRules(nat), /dnat/, 'the mapping is removed when receiving stops');
});

test('"receive --no-map-port" leaves the router alone', { skip, timeout: 180_000 }, async (t) => {
  const nat = await makeNat(t, '10.79.1', '198.20.14');
  await startRouterDaemon(t, nat, tempDir(t));
  const registryUrl = `http://${nat.internetIp}:7420`;
  await startCliIn(t, nat.ns.internet, ['registry', '--host', nat.internetIp, '--port', '7420', '--home', tempDir(t)], /registry listening on/);
  const receiver = await makeHome(t);
  const receiving = await startCliIn(t, nat.ns.home, ['receive', '--no-map-port', '--port', String(receiverPort), '--registry', registryUrl, '--home', receiver.home], reachabilityLine);
  assert.match(receiving.ready, /^Teammates cannot reach you: forward TCP port 7421 to this machine, or enable UPnP on your router/);
  assert.doesNotMatch(receiving.output(), /Your router|No router answered/);
  assert.doesNotMatch(await forwardedRules(nat), /dnat/);
});

test('"daemon --receive" maps its port like "receive"; with --no-map-port it leaves the router alone', { skip, timeout: 180_000 }, async (t) => {
  const nat = await makeNat(t, '10.81.1', '198.20.16');
  await startRouterDaemon(t, nat, tempDir(t));
  const registryUrl = `http://${nat.internetIp}:7420`;
  await startCliIn(t, nat.ns.internet, ['registry', '--host', nat.internetIp, '--port', '7420', '--home', tempDir(t)], /registry listening on/);
  const receiver = await makeHome(t);
  const daemon = (extra: string[], ready: RegExp) =>
    startCliIn(t, nat.ns.home, ['daemon', '--receive', ...extra, '--port', String(receiverPort), '--registry', registryUrl, '--home', receiver.home], ready);

  const unmapped = await daemon(['--no-map-port'], /"event":"announced"/);
  // Stopping waits for a mapping under way, so after it the output would show one had the router been asked.
  assert.equal(await unmapped.stop('SIGINT'), 0, unmapped.output());
  assert.doesNotMatch(unmapped.output(), /port-mapped|port-not-mapped/, 'the router was not asked');
  assert.doesNotMatch(await forwardedRules(nat), /dnat/);

  const mapped = await daemon([], /"event":"port-mapped"/);
  assert.match(await forwardedRules(nat), new RegExp(`dport ${receiverPort} dnat ip to ${nat.homeIp.replaceAll('.', '\\.')}:${receiverPort}`));
  assert.equal(await mapped.stop('SIGINT'), 0, mapped.output());
  assert.doesNotMatch(await forwardedRules(nat), /dnat/, 'the mapping is removed when the daemon stops');
});

test('a router with NAT-PMP but no UPnP: the receiver maps its port by NAT-PMP and is reachable; the mapping goes when it stops', { skip, timeout: 180_000 }, async (t) => {
  const nat = await makeNat(t, '10.80.1', '198.20.15');
  const { ns, homeIp, routerOutsideIp, routerInsideIp, internetIp } = nat;
  await startRouterDaemon(t, nat, tempDir(t), false);
  const registryUrl = `http://${internetIp}:7420`;
  await startCliIn(t, ns.internet, ['registry', '--host', internetIp, '--port', '7420', '--home', tempDir(t)], /registry listening on/);
  const receiver = await makeHome(t);
  const receiving = await startCliIn(t, ns.home, ['receive', '--port', String(receiverPort), '--registry', registryUrl, '--home', receiver.home], reachabilityLine);
  assert.match(receiving.output(), new RegExp(`^Your router \\(${routerInsideIp.replaceAll('.', '\\.')}, NAT-PMP\\) forwards ${routerOutsideIp.replaceAll('.', '\\.')}:${receiverPort} to this machine's port ${receiverPort} while receiving$`, 'm'));
  assert.equal(receiving.ready, `Teammates can reach you at ${routerOutsideIp}:${receiverPort}`);
  assert.match(await forwardedRules(nat), new RegExp(`dport ${receiverPort} dnat ip to ${homeIp.replaceAll('.', '\\.')}:${receiverPort}`));
  assert.equal(await receiving.stop('SIGINT'), 0, receiving.output());
  assert.doesNotMatch(await forwardedRules(nat), /dnat/, 'the mapping is removed when receiving stops');
});
