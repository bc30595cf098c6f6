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
import { jsonLogger, type RunningReceiver } from '../core/app';
import type { Services } from './services';
import { receiverPlace } from './settings';

export type ReceiverStatus =
  | { state: 'off' }
  | { state: 'on'; port: number; peerId: string }
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
    const key = JSON.stringify([place.port, place.storageDir, settings.registryUrl]);
    if (this.running?.key === key) return this.current;
    await this.stopRunning();
    try {
      const app = this.services.app();
      const receiver = await app.receiving.start({
        storageDir: place.storageDir,
        port: place.port,
        log: jsonLogger((line) => log.info(`receiver: ${line}`)),
      });
      const { peerId } = await app.identity();
      this.running = { receiver, key };
      log.info(`Receiving backups on port ${receiver.port} into ${place.storageDir} as ${peerId}`);
      return this.become({ state: 'on', port: receiver.port, peerId });
    } catch (err) {
      const reason = (err as Error).message;
      if (this.current.state !== 'waiting' || this.current.reason !== reason) log.warn(`Not receiving in this window: ${reason}; trying again every ${this.retryMs / 1000} s`);
      this.retryTimer = setTimeout(() => void this.sync(), this.retryMs).unref();
      return this.become({ state: 'waiting', reason });
    }
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
