/**
 * Receiving use cases: who may store backups on this machine and within what
 * quota, how much each uses, and receiving itself (storage, listening,
 * announcing to the registry).
 */
import { UserError } from '../errors';
import type { Logger } from '../log';
import { parsePeerId } from '../identity/peer-id';
import type { PortMappingOutcome } from '../port-mapping';
import { printable } from '../printable';
import { checkQuotaBytes, parseQuota } from '../quota';
import type { AllowedSender } from '../store';
import type { RunningReceiver } from '../../receiver/start';
import { usageBySender } from '../receive';
import type { App } from './app';

export interface AllowedSenderUsage extends AllowedSender {
  usedBytes: number;
}

export interface ReceiveOptions {
  port: number;
  /** The interface to listen on; every interface by default, since teammates connect from other machines. */
  host?: string;
  /** Where snapshots are kept; storage/ in the home by default. */
  storageDir?: string;
  log: Logger;
  /** Ask the router to forward the port (UPnP IGD, NAT-PMP); on unless false. */
  mapPort?: boolean;
}

/** Whether teammates outside this network can reach the receiver, as the registry found by connecting back. */
export interface ReceiverReach {
  /** Undefined when the registry could not be asked. */
  reachable: boolean | undefined;
  /** The answer in one line: "Teammates can reach you at 203.0.113.7:7421", ... */
  line: string;
}

export type { PortMappingOutcome };

/** The port mapping's outcome in one line. */
export function portMappingLine(outcome: PortMappingOutcome, port: number): string {
  if (outcome.mapped) {
    const { external, via, gateway } = outcome.mapping;
    return `Your router (${printable(gateway)}, ${via}) forwards ${printable(external.host)}:${external.port} to this machine's port ${port} while receiving`;
  }
  return `No router answered UPnP or NAT-PMP: forward TCP port ${port} yourself${outcome.reason ? ` (${printable(outcome.reason)})` : ''}`;
}

export class ReceivingService {
  constructor(private readonly app: App) {}

  /**
   * Lets a teammate store up to `quota` ("10GB", or bytes) here; the label
   * defaults to the name they have as a teammate this machine backs up to.
   */
  async allow(peer: string, quota: string | number, label?: string): Promise<AllowedSender> {
    const peerId = parsePeerId(peer);
    const quotaBytes = typeof quota === 'number' ? checkQuotaBytes(quota) : parseQuota(quota);
    const name = label?.trim() || (await this.app.teammates.labelOf(peerId)) || null;
    return (await this.app.store()).allowedSenders.allow(peerId, quotaBytes, name);
  }

  async deny(peer: string): Promise<void> {
    const peerId = parsePeerId(peer);
    if (!(await (await this.app.store()).allowedSenders.deny(peerId))) {
      throw new UserError(`${peerId} was not allowed here; "peer-backup allowed" lists who is.`, { code: 'not-found' });
    }
  }

  /** The allowed senders, each with the bytes their snapshots take in `storageDir` (storage/ in the home by default). */
  async allowed(storageDir = this.app.home.defaultStorageDir): Promise<AllowedSenderUsage[]> {
    const [senders, used] = await Promise.all([(await this.app.store()).allowedSenders.list(), usageBySender(storageDir)]);
    return senders.map((sender) => ({ ...sender, usedBytes: used.get(sender.peerId) ?? 0 }));
  }

  async start(options: ReceiveOptions): Promise<RunningReceiver> {
    // Loaded only here: a machine that only backs up never pays for the server's modules.
    const { startReceiver } = await import('../../receiver/start.js');
    return startReceiver({
      store: await this.app.store(),
      identity: await this.app.identity(),
      storageDir: options.storageDir ?? this.app.home.defaultStorageDir,
      port: options.port,
      host: options.host,
      registryUrl: this.app.registry().url,
      log: options.log,
      mapPort: options.mapPort ?? true,
    });
  }

  /**
   * Asks the registry to connect back to this machine on `port` (the
   * router's port when it forwards one) and says whether teammates outside
   * this network can reach the receiver.
   */
  async reachability(port: number, mapping?: PortMappingOutcome): Promise<ReceiverReach> {
    const askedPort = mapping?.mapped ? mapping.mapping.external.port : port;
    try {
      const { reachable, address, reason } = await this.app.registry().checkReachability(await this.app.identity(), askedPort);
      const where = address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
      return reachable
        ? { reachable, line: `Teammates can reach you at ${printable(where)}` }
        : {
            reachable,
            line: `Teammates cannot reach you: forward TCP port ${port} to this machine, or enable UPnP on your router (the registry tried ${printable(where)}: ${printable(reason ?? 'no reason given')})`,
          };
    } catch (err) {
      return { reachable: undefined, line: `Could not check whether teammates can reach you: ${(err as Error).message}` };
    }
  }
}
