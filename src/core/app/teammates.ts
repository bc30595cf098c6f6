/**
 * Teammate use cases: the people this machine backs up to (a label and a
 * peer ID), how each stands, and naming one by label or peer ID.
 *
 * "Online" means the registry holds a live announcement from them, which is
 * what the registry can tell; whether a connection then gets through is
 * found out by the next backup, or by check().
 */
import { UserError, codeOf } from '../errors';
import { formatTime } from '../human-format';
import { parsePeerId } from '../identity/peer-id';
import type { Destination, VerificationStatus } from '../store';
import { connectToPeer } from '../transfer/connect';
import { orderAddresses } from '../transfer/peer-addresses';
import { PeerClient, type AddressProbe } from '../transfer/sender';
import { keyFingerprint } from '../wire/tls-certificate';
import type { App } from './app';

export type Reachability = 'online' | 'offline' | 'unknown';

export interface TeammateStatus {
  label: string;
  peerId: string;
  /** True once a handshake has pinned their key. */
  keyPinned: boolean;
  reachability: Reachability;
  /** Why the state is unknown (registry unreachable, ...), or until when an online entry lasts. */
  reachabilityDetail: string | undefined;
  /** When the latest successful backup of a plan aimed at them ended. */
  lastBackupAt: number | undefined;
}

/** What connecting to a teammate showed: every address tried, in order, until one proved their peer ID. */
export interface TeammateCheck {
  label: string | undefined;
  peerId: string;
  /** Addresses that did not prove the peer, with why. */
  failures: { url: string; kind: string; reason: string }[];
  /** The address that proved it, and what it answered; absent when none did. */
  reached?: ReachedTeammate;
}

export interface ReachedTeammate {
  url: string;
  /** TLS version and cipher suite of the connection. */
  protocol: string;
  cipher: string;
  /** The peer ID its certificate proved: the one asked for, or it would not count as reached. */
  provenPeerId: string;
  /** SHA-256 of the certificate's Ed25519 key. */
  keyFingerprint: string;
  /** Whether that key is the one pinned at the first backup; null when none is pinned yet. */
  pinnedKeyMatches: boolean | null;
  allowed: boolean;
  quotaBytes: number | null;
  usedBytes: number | null;
}

/** What a teammate holds for this machine, as they answer now, and the latest verify of it. */
export type TeammateFigures = {
  peerId: string;
  /** The latest verify of a plan backed up to them, recorded here: known whether or not they answer. */
  lastVerify?: { status: VerificationStatus; at: number; plan: string };
} & (
  | {
      reachable: true;
      /** Bytes they store for this machine, by their count; null when they keep no count. */
      storedBytes: number | null;
      quotaBytes: number | null;
      snapshots: number;
      /** When the oldest and newest of those snapshots were stored; absent with no snapshot. */
      oldestAt?: number;
      newestAt?: number;
    }
  | { reachable: false; problem: string }
);

/** How long figures wait for a teammate before saying they are not reachable now. */
export const defaultFiguresTimeoutMs = 10_000;

export class TeammateService {
  constructor(private readonly app: App) {}

  /**
   * The teammate's figures: stored bytes and quota (from their hello), the
   * snapshots they hold for this machine, and the latest verify. A teammate
   * that does not answer within `timeoutMs` is reported as not reachable,
   * with why, rather than making the caller wait.
   */
  async figures(labelOrPeerId: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<TeammateFigures> {
    const peerId = await this.resolve(labelOrPeerId);
    const lastVerify = await this.lastVerifyOf(peerId);
    const timeoutMs = options.timeoutMs ?? defaultFiguresTimeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    try {
      const reached = await untilAborted(this.reach(peerId, signal), signal);
      return { peerId, ...(lastVerify ? { lastVerify } : {}), reachable: true, ...reached };
    } catch (err) {
      options.signal?.throwIfAborted();
      const problem = deadline.aborted ? `no answer within ${timeoutMs / 1000} s` : (err as Error).message;
      return { peerId, ...(lastVerify ? { lastVerify } : {}), reachable: false, problem };
    }
  }

  private async reach(peerId: string, signal: AbortSignal) {
    const { peer } = await connectToPeer(await this.app.runnerContext(), peerId, { signal });
    const times = (await this.app.snapshots.list({ teammate: peerId, signal })).map((snapshot) => snapshot.storedAt);
    return {
      storedBytes: peer.hello.usedBytes,
      quotaBytes: peer.hello.quotaBytes,
      snapshots: times.length,
      ...(times.length > 0 ? { oldestAt: Math.min(...times), newestAt: Math.max(...times) } : {}),
    };
  }

  private async lastVerifyOf(peerId: string): Promise<TeammateFigures['lastVerify']> {
    const store = await this.app.store();
    let latest: TeammateFigures['lastVerify'];
    for (const plan of await store.plans.list()) {
      if (plan.destination !== peerId) continue;
      const verification = await store.verifications.last(plan.id);
      if (verification && (!latest || verification.endedAt > latest.at)) latest = { status: verification.status, at: verification.endedAt, plan: plan.name };
    }
    return latest;
  }

  async list(): Promise<Destination[]> {
    return (await this.app.store()).destinations.list();
  }

  /** Adds a teammate after the same checks the editor runs as the user types. */
  async add(label: string, peerId: string): Promise<Destination> {
    const teammates = await this.list();
    return (await this.app.store()).destinations.add(checkNewTeammateLabel(label, teammates), checkNewTeammatePeerId(peerId, teammates));
  }

  async remove(labelOrPeerId: string): Promise<void> {
    await (await this.app.store()).destinations.remove(labelOrPeerId.trim());
  }

  /** A teammate by label or peer ID. */
  async get(labelOrPeerId: string): Promise<Destination> {
    const found = await this.find(labelOrPeerId);
    if (!found) throw new UserError(`No teammate labelled or identified "${labelOrPeerId}": add them first ("peer-backup dest add LABEL PEER_ID").`, { code: 'not-found' });
    return found;
  }

  async find(labelOrPeerId: string): Promise<Destination | undefined> {
    return (await this.app.store()).destinations.find(labelOrPeerId.trim());
  }

  /** The peer ID a user means: a teammate's label, else a peer ID typed in full. */
  async resolve(labelOrPeerId: string): Promise<string> {
    return (await this.find(labelOrPeerId))?.peerId ?? parsePeerId(labelOrPeerId);
  }

  /** The label the user gave a peer, if they gave one. */
  async labelOf(peerId: string): Promise<string | undefined> {
    return (await this.find(peerId))?.label;
  }

  async statuses(): Promise<TeammateStatus[]> {
    const store = await this.app.store();
    const [destinations, lastBackups] = await Promise.all([store.destinations.list(), store.runs.lastSuccessByDestination()]);
    return Promise.all(
      destinations.map(async (destination) => ({
        label: destination.label,
        peerId: destination.peerId,
        keyPinned: destination.publicKey !== null,
        ...(await this.reachabilityOf(destination)),
        lastBackupAt: lastBackups.get(destination.peerId),
      })),
    );
  }

  /**
   * Connects to a teammate (label or peer ID) the way a backup would, sends
   * nothing but a hello, and reports what the connection proved. Nothing is
   * pinned or recorded.
   */
  async check(labelOrPeerId: string): Promise<TeammateCheck> {
    const peerId = await this.resolve(labelOrPeerId);
    const context = await this.app.runnerContext();
    const [destination, record] = await Promise.all([context.store.destinations.find(peerId), context.registry.lookup(peerId, { fresh: true })]);
    const client = new PeerClient(context.identity);
    const failures: TeammateCheck['failures'] = [];
    for (const address of orderAddresses(record.addresses)) {
      const probe: AddressProbe = await client.probe(peerId, address, { pinnedKey: destination?.publicKey });
      if (!probe.ok) {
        failures.push({ url: probe.url, kind: probe.kind, reason: probe.reason });
        continue;
      }
      const { peer } = probe;
      const reached: ReachedTeammate = {
        url: peer.url,
        protocol: peer.handshake.protocol,
        cipher: peer.handshake.cipher,
        provenPeerId: peer.handshake.peerId,
        keyFingerprint: keyFingerprint(peer.publicKey),
        pinnedKeyMatches: destination?.publicKey ? destination.publicKey === peer.publicKey.toString('base64') : null,
        allowed: peer.hello.allowed,
        quotaBytes: peer.hello.quotaBytes,
        usedBytes: peer.hello.usedBytes,
      };
      return { label: destination?.label, peerId, failures, reached };
    }
    return { label: destination?.label, peerId, failures };
  }

  private async reachabilityOf(destination: Destination): Promise<Pick<TeammateStatus, 'reachability' | 'reachabilityDetail'>> {
    try {
      const record = await this.app.registry().lookup(destination.peerId);
      return { reachability: 'online', reachabilityDetail: `announced until ${formatTime(record.expiresAt)}` };
    } catch (err) {
      if (codeOf(err) === 'peer-not-registered') return { reachability: 'offline', reachabilityDetail: undefined };
      return { reachability: 'unknown', reachabilityDetail: (err as Error).message };
    }
  }
}

/** A new teammate's name: given, and not taken. */
export function checkNewTeammateLabel(text: string, teammates: Destination[]): string {
  const label = text.trim();
  if (!label) throw new UserError('Give the teammate a name, for example alice.');
  if (teammates.some((teammate) => teammate.label === label)) throw new UserError(`"${label}" is taken: choose another name.`, { code: 'conflict' });
  return label;
}

/** A new teammate's peer ID: well formed, and not already a teammate. */
export function checkNewTeammatePeerId(text: string, teammates: Destination[]): string {
  const peerId = parsePeerId(text);
  const known = teammates.find((teammate) => teammate.peerId === peerId);
  if (known) throw new UserError(`This peer ID is already your teammate "${known.label}".`, { code: 'conflict' });
  return peerId;
}

/** `work`, or the signal's reason as soon as it aborts: a step that does not watch the signal cannot hold the caller past it. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) abort();
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
