/**
 * Asks the router to forward the receiver's TCP port, so teammates outside
 * this network can reach it without anyone setting up a port forward: UPnP
 * IGD first, then NAT-PMP to the default gateway. Every exchange with the
 * router has a deadline, and a router that answers nothing or refuses only
 * yields a reason: receiving goes on either way. The only file that knows
 * the port-mapping library.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Gateway } from '@achingbrain/nat-port-mapper' with { 'resolution-mode': 'import' };

export interface PortMapping {
  /** Where teammates outside reach the receiver. */
  external: { host: string; port: number };
  /** This machine's address on the router's network, the one the router forwards to. */
  internalHost: string;
  via: 'UPnP' | 'NAT-PMP';
  /** The router's address. */
  gateway: string;
  /** Removes the mapping from the router (bounded in time; a router that no longer answers lets it lapse on its own). */
  remove(): Promise<void>;
}

export type PortMappingOutcome = { mapped: true; mapping: PortMapping } | { mapped: false; reason: string };

export interface PortMappingOptions {
  /** How long to wait for a router to answer UPnP discovery. */
  discoveryMs?: number;
  /** How long each request to the router may take. */
  callMs?: number;
  /** The lease asked for; the mapping is renewed well before it ends. */
  leaseSeconds?: number;
  /** Told when a renewal failed: the mapping may lapse. */
  onRenewFailed?: (err: Error) => void;
}

const description = 'Peer Backup receiver';

type Library = typeof import('@achingbrain/nat-port-mapper', { with: { 'resolution-mode': 'import' } });

/** Maps TCP `port` on the router to the same port on this machine, or says why it could not. */
export async function mapPort(port: number, options: PortMappingOptions = {}): Promise<PortMappingOutcome> {
  const discoveryMs = options.discoveryMs ?? 4_000;
  const callMs = options.callMs ?? 5_000;
  const leaseSeconds = options.leaseSeconds ?? 3_600;
  const problems: string[] = [];
  // The library is an ES module; this bundle is CommonJS.
  const { upnpNat, pmpNat } = await import('@achingbrain/nat-port-mapper');

  const upnp = await findUpnpGateway(upnpNat, discoveryMs, leaseSeconds, callMs);
  if (upnp) {
    try {
      return { mapped: true, mapping: await mapWith(upnp, 'UPnP', port, callMs, { ttl: leaseSeconds * 1000 }) };
    } catch (err) {
      problems.push(`the UPnP router at ${upnp.host} refused: ${(err as Error).message}`);
      await upnp.stop({ signal: AbortSignal.timeout(callMs) }).catch(() => undefined);
    }
  }

  const router = defaultGateway();
  if (router) {
    // The library's own NAT-PMP renewal mixes seconds and milliseconds: renewals are ours (below).
    const pmp = pmpNat(router, { autoRefresh: false, description });
    try {
      const mapping = await mapWith(pmp, 'NAT-PMP', port, callMs, { ttl: leaseSeconds });
      return { mapped: true, mapping: renewing(mapping, pmp, port, callMs, leaseSeconds, options.onRenewFailed) };
    } catch (err) {
      if (upnp) problems.push(`NAT-PMP at ${router}: ${(err as Error).message}`);
      await pmp.stop({ signal: AbortSignal.timeout(callMs) }).catch(() => undefined);
    }
  }
  return { mapped: false, reason: problems.join('; ') };
}

/** The first IPv4 gateway that answers UPnP discovery in time; it renews its own mappings before they lapse. */
async function findUpnpGateway(upnpNat: Library['upnpNat'], discoveryMs: number, leaseSeconds: number, callMs: number): Promise<Gateway | undefined> {
  const client = upnpNat({ description, autoRefresh: true, refreshThreshold: Math.min(600, leaseSeconds / 4) * 1000, refreshTimeout: callMs });
  try {
    for await (const gateway of client.findGateways({ signal: AbortSignal.timeout(discoveryMs) })) {
      if (gateway.family === 'IPv4') return gateway;
    }
  } catch {
    // Nothing answered in time: the same as no gateway.
  }
  return undefined;
}

async function mapWith(gateway: Gateway, via: PortMapping['via'], port: number, callMs: number, lease: { ttl: number }): Promise<PortMapping> {
  const internalHost = addressFacing(gateway.host);
  if (!internalHost) throw new Error(`this machine has no address on the network of ${gateway.host}`);
  const mapped = await gateway.map(port, internalHost, { protocol: 'tcp', externalPort: port, description, ...lease, signal: AbortSignal.timeout(callMs) });
  // Some routers map the port but know no public address of their own: nothing a teammate could use.
  if (isIP(mapped.externalHost) === 0 || mapped.externalHost === '0.0.0.0') {
    await gateway.unmap(port, { signal: AbortSignal.timeout(callMs) }).catch(() => undefined);
    throw new Error(`the router mapped the port but gave no public address (it said "${mapped.externalHost}")`);
  }
  return {
    external: { host: mapped.externalHost, port: mapped.externalPort },
    internalHost,
    via,
    gateway: gateway.host,
    remove: () => gateway.stop({ signal: AbortSignal.timeout(callMs) }).catch(() => undefined),
  };
}

/** A NAT-PMP mapping asked for again at half its lease, and removed (not just forgotten) on remove(). */
function renewing(mapping: PortMapping, gateway: Gateway, port: number, callMs: number, leaseSeconds: number, onRenewFailed?: (err: Error) => void): PortMapping {
  const renew = setInterval(() => {
    gateway
      .map(port, mapping.internalHost, { protocol: 'tcp', externalPort: mapping.external.port, description, ttl: leaseSeconds, signal: AbortSignal.timeout(callMs) })
      .catch((err: Error) => onRenewFailed?.(err));
  }, (leaseSeconds * 1000) / 2);
  renew.unref();
  return {
    ...mapping,
    remove: async () => {
      clearInterval(renew);
      await gateway.unmap(port, { signal: AbortSignal.timeout(callMs) }).catch(() => undefined);
      await gateway.stop({ signal: AbortSignal.timeout(callMs) }).catch(() => undefined);
    },
  };
}

/** This machine's IPv4 address on the same network as `host`. */
function addressFacing(host: string): string | undefined {
  const target = ipv4Number(host);
  for (const address of Object.values(networkInterfaces()).flatMap((list) => list ?? [])) {
    if (address.family !== 'IPv4' || address.internal) continue;
    const mask = ipv4Number(address.netmask);
    if (((ipv4Number(address.address) ^ target) & mask) === 0) return address.address;
  }
  return undefined;
}

function ipv4Number(ip: string): number {
  return ip.split('.').reduce((value, octet) => ((value << 8) | Number(octet)) >>> 0, 0);
}

/** The IPv4 default gateway from the kernel's routing table (Linux); undefined elsewhere or without one. */
function defaultGateway(): string | undefined {
  let table: string;
  try {
    table = readFileSync('/proc/net/route', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of table.split('\n').slice(1)) {
    const [, destination, gateway] = line.trim().split(/\s+/);
    if (destination !== '00000000' || !gateway || gateway === '00000000') continue;
    // Little-endian hex: 0101A8C0 is 192.168.1.1.
    return [6, 4, 2, 0].map((at) => parseInt(gateway.slice(at, at + 2), 16)).join('.');
  }
  return undefined;
}
