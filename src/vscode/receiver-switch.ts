/**
 * Runs the receiver inside the extension host while peerBackup.receiver.enabled
 * is on, and follows that setting in every window.
 *
 * Only one process can listen on the port, so with several windows open the
 * first one to bind it serves and the others wait: each retries every
 * retryMs, and takes over once the serving window closes. The bound port is
 * the lock; no lease could be more exact.
 */
import { Mutex } from 'async-mutex';
import { jsonLogger, portMappingLine, type ReceiverReach, type RunningReceiver } from '../core/app';
import type { Services } from './services';
import { receiverPlace } from './settings';

export type ReceiverStatus =
  | { state: 'off' }
  | {
      state: 'on';
      port: number;
      peerId: string;
      /** What the router did with the port, once it answered (or did not); undefined while asking, or when mapping is off. */
      portMapping?: string;
      /** Whether teammates outside can reach this machine, once the registry has tried. */
      reach?: ReceiverReach;
    }
  /** Switched on but not serving here: the port is taken (often by another window) or the settings are wrong. */
  | { state: 'waiting'; reason: string };

export class ReceiverSwitch {
  private running: { receiver: RunningReceiver; key: string } | undefined;
  private current: ReceiverStatus = { state: 'off' };
  private readonly serial = new Mutex();
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly services: Services,
    private readonly retryMs = 30_000,
  ) {}

  get status(): ReceiverStatus {
    return this.current;
  }

  /** Starts, restarts or stops the receiver to match the settings; calls are serialized. */
  sync(): Promise<ReceiverStatus> {
    return this.serial.runExclusive(() => this.apply());
  }

  /** Stops serving (the editor is closing); the setting stays as it is. */
  stop(): Promise<void> {
    this.stopped = true;
    return this.serial.runExclusive(() => {
      clearTimeout(this.retryTimer);
      return this.stopRunning();
    });
  }

  private async apply(): Promise<ReceiverStatus> {
    clearTimeout(this.retryTimer);
    if (this.stopped) return this.current;
    const { log } = this.services;
    const settings = this.services.settings();
    if (!settings.receiverEnabled) {
      await this.stopRunning();
      return this.become({ state: 'off' });
    }
    let place;
    try {
      place = receiverPlace(settings, this.services.home);
    } catch (err) {
      await this.stopRunning();
      return this.become({ state: 'waiting', reason: (err as Error).message });
    }
    const key = JSON.stringify([place.port, place.storageDir, settings.registryUrl, settings.receiverMapPort]);
    if (this.running?.key === key) return this.current;
    await this.stopRunning();
    try {
      const app = this.services.app();
      const receiver = await app.receiving.start({
        storageDir: place.storageDir,
        port: place.port,
        mapPort: settings.receiverMapPort,
        log: jsonLogger((line) => log.info(`receiver: ${line}`)),
      });
      const { peerId } = await app.identity();
      const running = { receiver, key };
      this.running = running;
      log.info(`Receiving backups on port ${receiver.port} into ${place.storageDir} as ${peerId}`);
      this.learnReach(running, peerId).catch((err: Error) => log.warn(`Could not tell whether teammates can reach you: ${err.message}`));
      return this.become({ state: 'on', port: receiver.port, peerId });
    } catch (err) {
      const reason = (err as Error).message;
      if (this.current.state !== 'waiting' || this.current.reason !== reason) log.warn(`Not receiving in this window: ${reason}; trying again every ${this.retryMs / 1000} s`);
      this.retryTimer = setTimeout(() => void this.sync(), this.retryMs).unref();
      return this.become({ state: 'waiting', reason });
    }
  }

  /** Waits for the router's answer on the port, then asks the registry whether teammates can reach this machine; shown once known. */
  private async learnReach(running: NonNullable<ReceiverSwitch['running']>, peerId: string): Promise<void> {
    const { receiver } = running;
    const mapping = await receiver.portMapping;
    const portMapping = mapping && portMappingLine(mapping, receiver.port);
    if (portMapping) this.services.log.info(portMapping);
    const reach = await this.services.app().receiving.reachability(receiver.port, mapping);
    this.services.log.info(reach.line);
    await this.serial.runExclusive(() => {
      // Only for the receiver that is still running: a restart asks again.
      if (this.running === running) this.become({ state: 'on', port: receiver.port, peerId, portMapping, reach });
    });
  }

  private async stopRunning(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    if (!running) return;
    await running.receiver.stop();
    this.services.log.info('Stopped receiving backups');
  }

  private become(status: ReceiverStatus): ReceiverStatus {
    this.current = status;
    this.services.changed();
    return status;
  }
}
