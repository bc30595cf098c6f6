/**
 * Which announced addresses the registry keeps. A peer usually cannot see its
 * own public address (NAT), so it announces an empty host and the registry
 * fills in the address the request came from, as Syncthing's discovery does.
 */
import { BlockList } from 'node:net';
import type { PeerAddress } from '../core/registry/protocol';
import { plainIp } from '../http-server';

/** Hosts meaning "wherever I am": replaced by the request's source address. */
const unspecifiedHosts = new Set(['', '0.0.0.0', '::']);

/** Reachable from the announcer's own machine only. */
const loopback = subnets(['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']);
/** Never a peer's address. */
const multicast = subnets(['224.0.0.0', 4, 'ipv4'], ['ff00::', 8, 'ipv6']);

export function isLoopback(ip: string): boolean {
  return loopback.check(ip, family(ip));
}

/**
 * The addresses to store for an announcement that arrived from `source`:
 * unspecified hosts become `source`; multicast hosts are dropped, and so are
 * loopback hosts unless the announcer is itself on loopback (a registry on
 * the same machine, as in tests); duplicates are dropped.
 */
export function reachableAddresses(announced: PeerAddress[], source: string): PeerAddress[] {
  const from = plainIp(source);
  const fromElsewhere = !isLoopback(from);
  const kept = new Map<string, PeerAddress>();
  for (const { host, port } of announced) {
    const resolved = unspecifiedHosts.has(host) ? from : plainIp(host);
    if (multicast.check(resolved, family(resolved)) || (fromElsewhere && isLoopback(resolved))) continue;
    kept.set(`${resolved} ${port}`, { host: resolved, port });
  }
  return [...kept.values()];
}

function family(ip: string): 'ipv4' | 'ipv6' {
  return ip.includes(':') ? 'ipv6' : 'ipv4';
}

function subnets(...ranges: [string, number, 'ipv4' | 'ipv6'][]): BlockList {
  const list = new BlockList();
  for (const [network, prefix, type] of ranges) list.addSubnet(network, prefix, type);
  return list;
}
