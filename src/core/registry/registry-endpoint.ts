/**
 * Talks to one registry (axios): announce this peer, look up others. Every
 * reply is validated; anything unexpected becomes a UserError whose
 * message names the registry URL and what to check. RegistryClient uses one
 * of these for each registry it is given.
 *
 * Look-ups are not taken on the registry's word: the client checks the
 * peer's signed announcement itself and refuses one that fails, so the
 * registry cannot add or change a signed address. Its unsigned hint (the
 * address it saw) is passed on apart, and the transfer layer must still make
 * the peer prove it holds its key before sending anything.
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type * as z from '../schema';
import type { Identity } from '../identity/keys';
import { printable } from '../printable';
import { openAnnouncement } from './announcement';
import { announceReplySchema, errorReplySchema, lookupReplySchema, maxClockSkewMs, pathPrefix, type AnnounceReply, type LookupReply, type PeerRecord, type ReachabilityReply, reachabilityReplySchema, type SignedAnnouncement } from './protocol';
import { UserError } from '../errors';

export interface RegistryEndpointOptions {
  /** A hard deadline for each request (axios's own `timeout` only watches inactivity). */
  timeoutMs: number;
  now: () => number;
}

/** A reachability check waits for the registry's own connection back (at most 5 s by default) on top of the usual deadline. */
const connectBackAllowanceMs = 10_000;

export const settingHint = 'check the registry URL (--registry, $PEER_BACKUP_REGISTRY or the peerBackup.registryUrl setting)';

export class RegistryEndpoint {
  private readonly http: AxiosInstance;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(
    readonly url: string,
    options: RegistryEndpointOptions,
  ) {
    this.timeoutMs = options.timeoutMs;
    this.now = options.now;
    if (!/^https?:\/\/[^/]/.test(url)) throw new UserError(`"${url}" is not an http(s) registry URL: ${settingHint}.`);
    this.http = axios.create({
      baseURL: url,
      maxRedirects: 0,
      maxContentLength: 64 * 1024,
      responseType: 'text',
      transformResponse: [(data: unknown) => data], // parsed below, so garbage can be told from JSON
      validateStatus: () => true,
    });
  }

  /** Sends `identity`'s signed announcement. Returns the stored entry and when to announce again. */
  async announce(identity: Identity, body: SignedAnnouncement): Promise<AnnounceReply> {
    const response = await this.send('POST', `${pathPrefix}/announce`, body);
    if (response.status !== 200) throw this.refusal(response, `the announcement of ${identity.peerId}`);
    return this.parse(announceReplySchema, response);
  }

  /** Asks the registry to connect back to this machine on the port `body` announces (see reachabilityReplySchema). */
  async checkReachability(identity: Identity, body: SignedAnnouncement): Promise<ReachabilityReply> {
    const response = await this.send('POST', `${pathPrefix}/reachability`, body, this.timeoutMs + connectBackAllowanceMs);
    if (response.status !== 200) throw this.refusal(response, `the reachability check of ${identity.peerId}`);
    return this.parse(reachabilityReplySchema, response);
  }

  /** The registry's entry for `wanted` (a canonical peer ID), checked. */
  async lookup(wanted: string): Promise<PeerRecord> {
    const response = await this.send('GET', `${pathPrefix}/peers/${encodeURIComponent(wanted)}`);
    if (response.status === 404 && errorCode(response) === 'peer-not-registered') {
      throw new UserError(`Teammate ${wanted} is offline: it is not registered at ${this.url} (it has not announced itself, or its entry expired); ask your teammate to start receiving, with the same registry.`, {
        code: 'peer-not-registered',
      });
    }
    if (response.status !== 200) throw this.refusal(response, `the look-up of ${wanted}`);
    return this.verified(wanted, this.parse(lookupReplySchema, response));
  }

  /** The record in `reply`, once the announcement in it has proven to be `peerId`'s own, unaltered and not from the future. */
  private verified(peerId: string, reply: LookupReply): PeerRecord {
    const opened = openAnnouncement(reply.announcement);
    if (!opened.ok) throw this.altered(peerId, printable(opened.message));
    const { announcement } = opened;
    if (announcement.peerId !== peerId) throw this.altered(peerId, `it is ${announcement.peerId}'s announcement, not ${peerId}'s`);
    const ahead = announcement.time - this.now();
    if (ahead > maxClockSkewMs) {
      throw this.altered(peerId, `it is dated ${Math.round(ahead / 1000)} s ahead of this machine's clock, which may also be behind: set it right if so`);
    }
    return {
      peerId,
      publicKey: announcement.publicKey.toString('base64'),
      addresses: announcement.addresses,
      observed: reply.observed,
      announcedAt: announcement.time,
      lastSeen: reply.lastSeen,
      expiresAt: reply.expiresAt,
    };
  }

  private async send(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<AxiosResponse<string>> {
    try {
      return await this.http.request<string>({ method, url: path, data: body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      if (axios.isAxiosError(err) && err.code === 'ERR_BAD_RESPONSE') {
        throw this.garbage('sent an over-long or broken reply', err);
      }
      const reason = axios.isAxiosError(err) && err.code === 'ERR_CANCELED' ? `no answer within ${timeoutMs / 1000} s` : errorReason(err);
      throw new UserError(`The registry at ${this.url} does not answer (${reason}): check that it is running, and ${settingHint}.`, {
        code: 'registry-unreachable',
        // A silent registry is a server to start or a setting to fix, which a minute of retries meant for an
        // offline teammate does not mend: a run someone watches says so at once. The scheduler retries by the code.
        retryable: false,
        cause: err,
      });
    }
  }

  private parse<T>(schema: z.ZodMiniType<T>, response: AxiosResponse<string>): T {
    const parsed = schema.safeParse(parseJson(response.data));
    if (!parsed.success) throw this.garbage(`answered HTTP ${response.status} with a body that is not a registry reply`);
    return parsed.data;
  }

  /** A non-success answer: the registry's own explanation when it gave one, else garbage. */
  private refusal(response: AxiosResponse<string>, what: string): UserError {
    const explained = errorReplySchema.safeParse(parseJson(response.data));
    if (!explained.success) return this.garbage(`answered ${what} with HTTP ${response.status} and no registry error`);
    const retryAfter = Number(response.headers['retry-after']);
    const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
    return new UserError(`The registry at ${this.url} refused ${what}: ${explained.data.message}.`, {
      code: 'registry-refused',
      // A rate limit passes on its own; other refusals need a person.
      retryable: retryAfterSeconds !== undefined,
      retryAfterSeconds,
    });
  }

  /** A look-up whose announcement fails the client's own check: nothing of it is used. */
  private altered(peerId: string, reason: string): UserError {
    return new UserError(
      `The registry at ${this.url} answered the look-up of ${peerId} with an announcement that fails its check (${reason}), so nothing from it was used: ` +
        `the registry, or something between it and this machine, altered or forged it; ${settingHint}.`,
      { code: 'registry-garbage' },
    );
  }

  private garbage(what: string, cause?: unknown): UserError {
    return new UserError(`The server at ${this.url} ${what}: it does not look like a Peer Backup registry; ${settingHint}.`, {
      code: 'registry-garbage',
      cause,
    });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorCode(response: AxiosResponse<string>): string | undefined {
  const parsed = errorReplySchema.safeParse(parseJson(response.data));
  return parsed.success ? parsed.data.error : undefined;
}

function errorReason(err: unknown): string {
  const code = (err as { code?: string }).code;
  return code && code !== 'ERR_NETWORK' ? code : (err as Error).message;
}
