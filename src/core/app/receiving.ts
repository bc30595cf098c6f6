/**
 * Receiving use cases: who may store backups on this machine and within what
 * quota, how much each uses, and receiving itself (storage, listening,
 * announcing to the registry).
 */
import { UserError } from '../errors';
import type { Logger } from '../log';
import { parsePeerId } from '../identity/peer-id';
import { checkQuotaBytes, parseQuota } from '../quota';
import type { AllowedSender } from '../store';
import { startReceiver, type RunningReceiver } from '../../receiver/start';
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
    return startReceiver({
      store: await this.app.store(),
      identity: await this.app.identity(),
      storageDir: options.storageDir ?? this.app.home.defaultStorageDir,
      port: options.port,
      host: options.host,
      registryUrl: this.app.registry().url,
      log: options.log,
    });
  }
}
