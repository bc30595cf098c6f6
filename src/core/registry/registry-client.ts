/**
 * Talks to the registries this peer is given (one URL, or several separated
 * by commas): announcements go to all of them, look-ups try them in order
 * and fail over to the next after a short timeout. A registry that just
 * failed is tried after the others for a while, so one that is down costs
 * its timeout once, not on every look-up.
 *
 * Look-ups are not taken on any registry's word: each answer is checked
 * against the peer's signed announcement (RegistryEndpoint), and the
 * transfer layer must still make the peer prove it holds its key.
 */
import type { Identity } from '../identity/keys';
import { parsePeerId } from '../identity/peer-id';
import { signAnnouncement } from './announcement';
import { localAddresses } from './local-addresses';
import { maxAddresses, type AnnounceReply, type PeerAddress, type PeerRecord, type ReachabilityReply } from './protocol';
import { RegistryEndpoint, settingHint } from './registry-endpoint';
import { splitRegistryUrls } from './registry-url';
import { UserError } from '../errors';

export interface RegistryClientOptions {
  /** A hard deadline for each request to one registry; 5 s with one registry, 3 s each with several. */
  timeoutMs?: number;
  /** How long a look-up answer is reused; peers re-announce far less often. */
  cacheMs?: number;
  /** How long a registry that failed is tried after the others. */
  demoteMs?: number;
  now?: () => number;
}

/** An announcement's outcome: the first registry's reply that stored it, and what each of the others refused. */
export interface Announced {
  reply: AnnounceReply;
  failures: UserError[];
}

export class RegistryClient {
  readonly urls: string[];
  private readonly endpoints: RegistryEndpoint[];
  private readonly cacheMs: number;
  private readonly demoteMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, { record: PeerRecord; until: number }>();
  /** When each registry last failed (by `now`). */
  private readonly failedAt = new Map<RegistryEndpoint, number>();
  private lastAnnouncedTime = 0;

  /** `url`: one registry URL, or several separated by commas, in the order to try them. */
  constructor(
    readonly url: string,
    options: RegistryClientOptions = {},
  ) {
    this.urls = splitRegistryUrls(url);
    if (this.urls.length === 0) throw new UserError(`No registry URL was given: ${settingHint}.`);
    this.now = options.now ?? Date.now;
    this.cacheMs = options.cacheMs ?? 30_000;
    this.demoteMs = options.demoteMs ?? 30_000;
    const timeoutMs = options.timeoutMs ?? (this.urls.length > 1 ? 3_000 : 5_000);
    this.endpoints = this.urls.map((each) => new RegistryEndpoint(each, { timeoutMs, now: this.now }));
  }

  /**
   * Announces that `identity` receives on `port` at `hosts` (explicit IP
   * addresses) to every registry. Returns the first registry's reply that
   * stored it; throws only when none did.
   */
  async announce(identity: Identity, port: number, hosts: string[]): Promise<AnnounceReply> {
    return (await this.announceEverywhere(identity, port, hosts)).reply;
  }

  /**
   * announce(), also giving what each registry that did not store the
   * announcement said. `before` are addresses with ports of their own (a
   * port the router forwards), announced ahead of `hosts`.
   */
  async announceEverywhere(identity: Identity, port: number, hosts: string[], before: PeerAddress[] = []): Promise<Announced> {
    const addresses = [...before, ...hosts.map((host) => ({ host, port }))].filter(
      (address, index, all) => all.findIndex((other) => other.host === address.host && other.port === address.port) === index,
    );
    const body = signAnnouncement(identity, addresses.slice(0, maxAddresses), this.nextAnnouncementTime());
    const outcomes = await Promise.allSettled(this.endpoints.map((endpoint) => endpoint.announce(identity, body)));
    const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as Error] : []));
    const stored = outcomes.find((outcome) => outcome.status === 'fulfilled');
    if (!stored) throw this.combined(failures);
    return { reply: stored.value, failures: failures.filter((err): err is UserError => err instanceof UserError) };
  }

  /** The peer's entry, from the cache when it is recent unless `fresh`; from the first registry that holds it. */
  async lookup(peerId: string, { fresh = false }: { fresh?: boolean } = {}): Promise<PeerRecord> {
    const wanted = parsePeerId(peerId);
    const cached = this.cache.get(wanted);
    if (!fresh && cached && cached.until > this.now()) return cached.record;
    this.cache.delete(wanted);

    const failures: Error[] = [];
    for (const endpoint of this.inOrder()) {
      try {
        const record = await endpoint.lookup(wanted);
        this.failedAt.delete(endpoint);
        this.cache.set(wanted, { record, until: Math.min(this.now() + this.cacheMs, record.expiresAt) });
        return record;
      } catch (err) {
        // "Not registered" is an answer, not a failure: the registry is fine, the next may still hold the peer.
        if (!(err instanceof UserError && err.code === 'peer-not-registered')) this.failedAt.set(endpoint, this.now());
        failures.push(err as Error);
      }
    }
    throw this.combined(failures);
  }

  /** The registries that answer that they hold no entry for `peerId` (unreachable ones are not counted). */
  async missingFrom(peerId: string): Promise<{ missing: string[]; failures: Error[] }> {
    const wanted = parsePeerId(peerId);
    const outcomes = await Promise.allSettled(this.endpoints.map((endpoint) => endpoint.lookup(wanted)));
    const missing: string[] = [];
    const failures: Error[] = [];
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') return;
      const err = outcome.reason as Error;
      if (err instanceof UserError && err.code === 'peer-not-registered') missing.push(this.urls[index]);
      else failures.push(err);
    });
    return { missing, failures };
  }

  /**
   * Asks the registries, in order until one answers, to connect back to this
   * machine on `port` and check that `identity`'s receiver answers there.
   */
  async checkReachability(identity: Identity, port: number): Promise<ReachabilityReply> {
    // The registry uses only the port and the signature: any one address of this machine will do.
    const body = signAnnouncement(identity, [{ host: localAddresses()[0] ?? '127.0.0.1', port }], this.nextAnnouncementTime());
    const failures: Error[] = [];
    for (const endpoint of this.inOrder()) {
      try {
        return await endpoint.checkReachability(identity, body);
      } catch (err) {
        this.failedAt.set(endpoint, this.now());
        failures.push(err as Error);
      }
    }
    throw this.combined(failures);
  }

  /** The registries in the order given, those that failed recently last. */
  private inOrder(): RegistryEndpoint[] {
    const since = this.now() - this.demoteMs;
    const recentlyFailed = (endpoint: RegistryEndpoint) => (this.failedAt.get(endpoint) ?? -Infinity) > since;
    return [...this.endpoints.filter((endpoint) => !recentlyFailed(endpoint)), ...this.endpoints.filter(recentlyFailed)];
  }

  /** Strictly increasing, even when two announcements fall in the same millisecond. */
  private nextAnnouncementTime(): number {
    this.lastAnnouncedTime = Math.max(this.now(), this.lastAnnouncedTime + 1);
    return this.lastAnnouncedTime;
  }

  /**
   * One error for failures at every registry: the only one when there is one
   * registry; else "not registered" when a registry said so (the peer is not
   * announced), else all the reasons together.
   */
  private combined(failures: Error[]): Error {
    if (failures.length === 1) return failures[0];
    const notRegistered = failures.find((err) => err instanceof UserError && err.code === 'peer-not-registered');
    if (notRegistered) return notRegistered;
    const userErrors = failures.filter((err): err is UserError => err instanceof UserError);
    if (userErrors.length < failures.length) return failures.find((err) => !(err instanceof UserError))!;
    const retryAfters = userErrors.map((err) => err.retryAfterSeconds).filter((seconds): seconds is number => seconds !== undefined);
    return new UserError(`No registry could answer (${userErrors.map((err) => err.message.replace(/\.$/, '')).join('; ')}).`, {
      code: userErrors.every((err) => err.code === userErrors[0].code) ? userErrors[0].code : 'registry-unreachable',
      retryable: userErrors.some((err) => err.retryable),
      ...(retryAfters.length > 0 && { retryAfterSeconds: Math.min(...retryAfters) }),
    });
  }
}
