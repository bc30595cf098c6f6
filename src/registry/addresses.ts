/**
 * Which announcements' addresses the registry serves, and the hint it adds.
 * A peer signs an explicit list of addresses, which the registry hands on
 * byte for byte, so it cannot drop one: it refuses an announcement with an
 * address no one else could use instead. The address the announcement came
 * from (the one that works across NAT) is served apart, unsigned, as a hint.
 */
import { BlockList, isIP } from 'node:net';
import type { PeerAddress } from '../core/registry/protocol';
import { plainIp } from '../http-server';

/** Reachable from the announcer's own machine only. */
const loopback = subnets(['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']);
/** Never a peer's address. */
const multicast = subnets(['224.0.0.0', 4, 'ipv4'], ['ff00::', 8, 'ipv6']);

export function isLoopback(ip: string): boolean {
  return loopback.check(ip, family(ip));
}

/**
 * Why the signed `addresses` of an announcement that arrived from `source`
 * cannot be served, or undefined when they can: a multicast address is never
 * a peer's, and a loopback one only reaches the announcer's own machine, so
 * it is allowed only when the announcer is itself on loopback (a registry
 * on the same machine, as in tests).
 */
export function unusableAddress(addresses: PeerAddress[], source: string): string | undefined {
  const fromElsewhere = !isLoopback(plainIp(source));
  for (const [index, { host }] of addresses.entries()) {
    const ip = plainIp(host);
    if (multicast.check(ip, family(ip))) return `addresses.${index}: ${host} is a multicast address, never a peer's: list this machine's own addresses`;
    if (fromElsewhere && isLoopback(ip)) {
      return `addresses.${index}: ${host} is a loopback address, which only the announcing machine can reach: list addresses teammates can connect to`;
    }
  }
  return undefined;
}

/**
 * The unsigned hint for an announcement from `source`: that address with the
 * port of the first signed address, unless the peer signed that host itself.
 */
export function observedAddress(addresses: PeerAddress[], source: string): PeerAddress | undefined {
  const from = plainIp(source);
  if (isIP(from) === 0) return undefined; // the connection is already gone
  const signed = new BlockList();
  for (const { host } of addresses) {
    const ip = plainIp(host);
    signed.addAddress(ip, family(ip));
  }
  return signed.check(from, family(from)) ? undefined : { host: from, port: addresses[0].port };
}

function family(ip: string): 'ipv4' | 'ipv6' {
  return ip.includes(':') ? 'ipv6' : 'ipv4';
}

function subnets(...ranges: [string, number, 'ipv4' | 'ipv6'][]): BlockList {
  const list = new BlockList();
  for (const [network, prefix, type] of ranges) list.addSubnet(network, prefix, type);
  return list;
}
