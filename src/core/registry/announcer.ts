/**
 * Keeps this peer's registry entry alive while it receives: announces at
 * once, again when the registry says to (well before the entry expires),
 * again as soon as this machine's addresses change, and retries failures
 * with growing pauses. Its timers keep the process alive until stop().
 */
import type { Identity } from '../identity/keys';
import { localAddresses as machineAddresses } from './local-addresses';
import { maxAddresses, type AnnounceReply } from './protocol';
import type { RegistryClient } from './registry-client';
import { UserError } from '../errors';

export interface AnnouncerOptions {
  /** Hosts to announce besides the address the registry sees; default: this machine's interface addresses. */
  localAddresses?: () => string[];
  /** How often to look for changed addresses. */
  checkEveryMs?: number;
  /** The pause after a first failure; it doubles on each further failure, up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  onAnnounced?: (reply: AnnounceReply) => void;
  onError?: (err: Error) => void;
}

export class Announcer {
  private readonly localAddresses: () => string[];
  private running = false;
  private inFlight: Promise<void> | undefined;
  private announceAgain = false;
  private nextAnnounce: NodeJS.Timeout | undefined;
  private addressWatch: NodeJS.Timeout | undefined;
  private announcedHosts = '';
  private failures = 0;

  constructor(
    private readonly client: RegistryClient,
    private readonly identity: Identity,
    private readonly port: number,
    private readonly options: AnnouncerOptions = {},
  ) {
    this.localAddresses = options.localAddresses ?? machineAddresses;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.addressWatch = setInterval(() => {
      if (this.hosts().join(' ') !== this.announcedHosts) this.announceNow();
    }, this.options.checkEveryMs ?? 30_000);
    this.announceNow();
  }

  /** Stops announcing and waits for an announcement in flight. The entry then expires on its own. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.nextAnnounce);
    clearInterval(this.addressWatch);
    await this.inFlight;
  }

  private announceNow(): void {
    if (!this.running) return;
    if (this.inFlight) {
      this.announceAgain = true; // addresses changed mid-flight: announce the new ones right after
      return;
    }
    clearTimeout(this.nextAnnounce);
    this.inFlight = this.announce().finally(() => {
      this.inFlight = undefined;
      if (this.announceAgain) {
        this.announceAgain = false;
        this.announceNow();
      }
    });
  }

  private async announce(): Promise<void> {
    const hosts = this.hosts();
    try {
      const reply = await this.client.announce(this.identity, this.port, hosts);
      this.announcedHosts = hosts.join(' ');
      this.failures = 0;
      this.options.onAnnounced?.(reply);
      this.schedule(reply.reannounceAfter * 1000);
    } catch (err) {
      this.failures++;
      this.options.onError?.(err as Error);
      const backoff = Math.min((this.options.retryMs ?? 15_000) * 2 ** (this.failures - 1), this.options.maxRetryMs ?? 10 * 60_000);
      const asked = err instanceof UserError && err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : 0;
      this.schedule(Math.max(backoff, asked));
    }
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.nextAnnounce = setTimeout(() => this.announceNow(), delayMs);
  }

  /** "" first: the address the registry sees is the one that works across NAT. */
  private hosts(): string[] {
    return ['', ...this.localAddresses()].slice(0, maxAddresses);
  }
}
