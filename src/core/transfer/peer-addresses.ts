/**
 * Orders a peer's addresses so the cheapest path is tried first: LAN, then
 * the rest of what the peer signed, then the registry's unsigned hint.
 */
import { isIP } from 'node:net';
import type { PeerAddress, PeerRecord } from '../registry/protocol';

/** An address to try; `seenByRegistry` marks the registry's unsigned hint (the address the registry saw), tried after every signed one. */
export interface CandidateAddress extends PeerAddress {
  seenByRegistry?: true;
}

/** The signed addresses, then the hint when the peer did not sign that address itself. */
export function candidateAddresses({ addresses, observed }: Pick<PeerRecord, 'addresses' | 'observed'>): CandidateAddress[] {
  const ordered: CandidateAddress[] = orderAddresses(addresses);
  const alreadySigned = addresses.some((address) => address.host === observed?.host && address.port === observed.port);
  return observed && !alreadySigned ? [...ordered, { ...observed, seenByRegistry: true }] : ordered;
}

/** Ordering is stable and keeps the hint last, so ordering an ordered list again changes nothing. */
export function orderAddresses<T extends CandidateAddress>(addresses: T[]): T[] {
  return [...addresses].sort((a, b) => rank(a) - rank(b));
}

export function addressUrl(address: PeerAddress): string {
  return isIP(address.host) === 6 ? `https://[${address.host}]:${address.port}` : `https://${address.host}:${address.port}`;
}

function rank(address: CandidateAddress): number {
  const { host } = address;
  if (address.seenByRegistry) return 3;
  if (host === '127.0.0.1' || host === '::1') return 0;
  if (/^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.)/.test(host) || /^f[cd]|^fe80/i.test(host)) return 1;
  return 2;
}
