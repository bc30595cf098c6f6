/**
 * The unit per-address limits count in: an IPv4 address, or an IPv6 /64,
 * since one host or home network is usually handed a whole /64 and could
 * otherwise take a fresh address for every connection.
 */
import { isIP } from 'node:net';
import { plainIp } from './remote-address';

export function addressGroup(address: string): string {
  const ip = plainIp(address).replace(/%.*$/, '');
  if (isIP(ip) !== 6) return ip;
  const [head, tail] = ip.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(Math.max(8 - headGroups.length - tailGroups.length, 0)).fill('0'), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((group) => parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}
