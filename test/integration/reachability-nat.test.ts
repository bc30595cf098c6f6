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
import { join } from 'node:path';
import { test } from 'node:test';
import { writeFixtureTree } from '../helpers/fixture-tree';
import { cliIn, has, inNamespace, makeNat, reachabilityLine, startCliIn, type Nat } from '../helpers/nat';
import { allow, makeHome } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

const skip =
  process.getuid?.() !== 0
    ? 'network namespaces and NAT rules need root'
    : !has('ip') || !has('iptables')
      ? 'the ip and iptables commands are needed (scripts/setup-postgres.sh installs iptables)'
      : false;

const receiverPort = 7421;

function forwardPort(nat: Nat): Promise<unknown> {
  return inNamespace(nat.ns.router, 'iptables', '-t', 'nat', '-A', 'PREROUTING', '-d', nat.routerOutsideIp, '-p', 'tcp', '--dport', String(receiverPort), '-j', 'DNAT', '--to-destination', `${nat.homeIp}:${receiverPort}`);
}

test('behind NAT without a port forward a receiver is told teammates cannot reach it; with one, it is reachable and a backup goes through', { skip, timeout: 180_000 }, async (t) => {
  const nat = await makeNat(t, '10.77.1', '203.0.113');
  const { ns, homeIp, routerOutsideIp, internetIp } = nat;
  const registryUrl = `http://${internetIp}:7420`;
  await startCliIn(t, ns.internet, ['registry', '--host', internetIp, '--port', '7420', '--home', tempDir(t)], /registry listening on/);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '10MB');
  const receive = ['receive', '--port', String(receiverPort), '--registry', registryUrl, '--home', receiver.home];

  const hidden = await startCliIn(t, ns.home, receive, reachabilityLine);
  // This router has no UPnP or NAT-PMP, so asking it to forward the port gets nothing.
  assert.match(hidden.output(), new RegExp(`^No router answered UPnP or NAT-PMP: forward TCP port ${receiverPort} yourself$`, 'm'));
  assert.match(hidden.ready, new RegExp(`^Teammates cannot reach you: forward TCP port ${receiverPort} to this machine, or enable UPnP on your router \\(the registry tried ${routerOutsideIp.replaceAll('.', '\\.')}:${receiverPort}: the connection was refused`));

  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registryUrl };
  const work = writeFixtureTree(join(tempDir(t), 'project'));
  assert.equal((await cliIn(ns.internet, ['dest', 'add', 'teammate', receiver.peerId], env)).code, 0);
  assert.equal((await cliIn(ns.internet, ['plan', 'add', 'nightly', work, '--dest', 'teammate'], env)).code, 0);
  const refused = await cliIn(ns.internet, ['run', 'nightly', '--no-retry'], env);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, new RegExp(`${receiver.peerId} is announced but cannot be reached from here at any address it announced \\(https://${homeIp.replaceAll('.', '\\.')}:${receiverPort}: .*\\(the address the registry saw\\)`));

  await hidden.stop();
  await forwardPort(nat);
  const forwarded = await startCliIn(t, ns.home, receive, reachabilityLine);
  assert.equal(forwarded.ready, `Teammates can reach you at ${routerOutsideIp}:${receiverPort}`);
  const backup = await cliIn(ns.internet, ['run', 'nightly', '--json'], env);
  assert.equal(backup.code, 0, backup.stderr);
  assert.equal((JSON.parse(backup.stdout) as { status: string }).status, 'succeeded');
});
