/** Orders a peer's announced addresses so the cheapest path is tried first: LAN, then the rest. */
import { isIP } from 'node:net';
import type { PeerAddress } from '../registry/protocol';

export function orderAddresses(addresses: PeerAddress[]): PeerAddress[] {
  return [...addresses].sort((a, b) => rank(a.host) - rank(b.host));
}

export function addressUrl(address: PeerAddress): string {
  return isIP(address.host) === 6 ? `https://[${address.host}]:${address.port}` : `https://${address.host}:${address.port}`;
}

function rank(host: string): number {
  if (host === '127.0.0.1' || host === '::1') return 0;
  if (/^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.)/.test(host) || /^f[cd]|^fe80/i.test(host)) return 1;
  return 2;
}
