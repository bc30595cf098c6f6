/**
 * Keeps this peer's registry entry alive while it receives: announces at
 * once, again when the registry says to (well before the entry expires),
 * again as soon as this machine's addresses change or a registry no longer
 * holds the entry (it restarted with an empty database), and retries
 * failures with growing pauses. With several registries it announces to all
 * of them, and a registry that missed an announcement is retried like a
 * failure. Its timers keep the process alive until stop().
 */
import type { Identity } from '../identity/keys';
import { localAddresses as machineAddresses } from './local-addresses';
import { isExplicitIp, maxAddresses, type AnnounceReply, type PeerAddress } from './protocol';
import type { RegistryClient } from './registry-client';
import { UserError } from '../errors';

export interface AnnouncerOptions {
  /** The address the receiver listens on; when it is one specific IP, that is the only one announced. */
  bindHost?: string;
  /** This machine's addresses, announced when the receiver listens on all of them; default: its interface addresses. */
  localAddresses?: () => string[];
  /**
   * How often to look for changed addresses and look up this peer's own
   * entry (30 s by default); a registry that asks for checks more often
   * (the reply's `checkAfter`) gets them.
   */
  checkEveryMs?: number;
  /** The pause after a first failure; it doubles on each further failure, up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  /** Addresses announced first, each with its own port: where the router forwards a port to this machine. */
  forwardedAddresses?: () => PeerAddress[];
  onAnnounced?: (reply: AnnounceReply) => void;
  onError?: (err: Error) => void;
}

export class Announcer {
  private readonly localAddresses: () => string[];
  private checkEveryMs: number;
  private running = false;
  private inFlight: Promise<void> | undefined;
  private announceAgain = false;
  private nextAnnounce: NodeJS.Timeout | undefined;
  private nextCheck: NodeJS.Timeout | undefined;
  /** The hosts of the last attempt, so a check announces again only when they change. */
  private attemptedHosts = '';
  private failures = 0;

  constructor(
    private readonly client: RegistryClient,
    private readonly identity: Identity,
    private readonly port: number,
    private readonly options: AnnouncerOptions = {},
  ) {
    this.localAddresses = options.localAddresses ?? machineAddresses;
    this.checkEveryMs = options.checkEveryMs ?? 30_000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.scheduleCheck();
    this.announceNow();
  }

  /** Announces at once, e.g. because a forwarded address appeared. */
  addressesChanged(): void {
    this.announceNow();
  }

  /** Stops announcing and waits for an announcement in flight. The entry then expires on its own. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.nextAnnounce);
    clearTimeout(this.nextCheck);
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
    const forwarded = this.options.forwardedAddresses?.() ?? [];
    this.attemptedHosts = this.describeAddresses(hosts, forwarded);
    try {
      if (hosts.length === 0 && forwarded.length === 0) throw this.noAddress();
      const { reply, failures } = await this.client.announceEverywhere(this.identity, this.port, hosts, forwarded);
      this.checkEvery(Math.min(this.options.checkEveryMs ?? 30_000, reply.checkAfter * 1000));
      this.options.onAnnounced?.(reply);
      // A registry that missed it gets it on the retry schedule; the others just see a newer announcement.
      if (failures.length > 0) return this.failed(failures);
      this.failures = 0;
      this.schedule(reply.reannounceAfter * 1000);
    } catch (err) {
      this.failed([err as Error]);
    }
  }

  private failed(errors: Error[]): void {
    this.failures++;
    for (const err of errors) this.options.onError?.(err);
    const backoff = Math.min((this.options.retryMs ?? 15_000) * 2 ** (this.failures - 1), this.options.maxRetryMs ?? 10 * 60_000);
    const asked = Math.max(0, ...errors.map((err) => (err instanceof UserError && err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : 0)));
    this.schedule(Math.max(backoff, asked));
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.nextAnnounce = setTimeout(() => this.announceNow(), delayMs);
  }

  private scheduleCheck(): void {
    if (!this.running) return;
    this.nextCheck = setTimeout(() => {
      this.nextCheck = undefined;
      void this.check().finally(() => this.scheduleCheck());
    }, this.checkEveryMs);
  }

  /** A new interval applies at once to a check that is waiting, and after one that is under way. */
  private checkEvery(ms: number): void {
    if (ms === this.checkEveryMs) return;
    this.checkEveryMs = ms;
    if (this.nextCheck === undefined) return;
    clearTimeout(this.nextCheck);
    this.scheduleCheck();
  }

  /** Announces at once when the addresses changed or the registry lost the entry. */
  private async check(): Promise<void> {
    if (this.describeAddresses(this.hosts(), this.options.forwardedAddresses?.() ?? []) !== this.attemptedHosts) return this.announceNow();
    // While an announcement is under way or failing, its own schedule brings the entry back.
    if (this.inFlight || this.failures > 0) return;
    if (await this.entryIsMissing()) this.announceNow();
  }

  /** True only when a registry answers that it holds no entry for this peer. */
  private async entryIsMissing(): Promise<boolean> {
    const { missing, failures } = await this.client.missingFrom(this.identity.peerId);
    // A registry that is down or odd: the next check looks again.
    for (const err of failures) this.options.onError?.(err);
    return missing.length > 0;
  }

  /**
   * The addresses this machine's receiver can be reached on: the one it
   * listens on when that is a specific IP, else every interface address.
   * Never "any address": the peer signs each one, and the registry adds
   * the address it sees only as an unsigned hint.
   */
  private hosts(): string[] {
    const { bindHost } = this.options;
    const hosts = bindHost !== undefined && isExplicitIp(bindHost) ? [bindHost] : this.localAddresses();
    return [...new Set(hosts)].slice(0, maxAddresses);
  }

  private describeAddresses(hosts: string[], forwarded: PeerAddress[]): string {
    return [...forwarded.map(({ host, port }) => `${host}:${port}`), ...hosts].join(' ');
  }

  private noAddress(): UserError {
    return new UserError(
      `This machine has no network address a teammate could connect to (no interface is up besides loopback), so the receiver cannot announce itself to the registry at ${this.client.url}: ` +
        'connect to a network; it announces itself as soon as it has an address.',
      { code: 'registry-unreachable' },
    );
  }
}
