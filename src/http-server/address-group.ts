/**
 * The unit per-address limits count in: an IPv4 address as it is, or an
 * IPv6 address's /64, since one host or home network is usually handed a
 * whole /64 and could otherwise take a fresh address for every request.
 */
import { isIP } from 'node:net';
import { plainIp } from './remote-address';

export function addressGroup(address: string): string {
  const ip = plainIp(address).replace(/%.*$/, ''); // a zone names an interface, not an address
  if (isIP(ip) !== 6) return ip;
  return `${ipv6Groups(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 literal, '::' expanded and a dotted IPv4 tail counted as two. */
function ipv6Groups(ip: string): string[] {
  const words = (part: string) => (part === '' ? [] : part.split(':').flatMap((word) => (word.includes('.') ? ['0', '0'] : [word])));
  const [head, tail] = ip.split('::');
  const left = words(head);
  const right = tail === undefined ? [] : words(tail);
  const zeros = Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((word) => parseInt(word, 16).toString(16));
}
