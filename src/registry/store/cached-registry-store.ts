/**
 * Serves look-ups from memory. When one registry process owns the store (the
 * SQLite case) every write goes through it, so the copy cannot go stale and
 * is kept until the peer announces again; SQLite then only sees
 * announcements. Without it each look-up waits in the single connection's
 * queue, which caps the registry at a few thousand look-ups a second (see
 * bench/registry.ts). When several registries share the store (PostgreSQL),
 * another one may store a newer announcement, so a copy is kept for
 * `maxAgeMs` only: a look-up is at most that much behind.
 */
import type { NewPeerWindow, PeerEntry, RegistryStore } from './registry-store';

export interface CacheOptions {
  maxEntries?: number;
  /** How long a copy is served; unbounded by default, for a store no one else writes. */
  maxAgeMs?: number;
  /** The clock copies age by. */
  clock?: () => number;
}

interface Copy {
  entry: PeerEntry;
  /** When the copy stops being served, by `clock`. */
  until: number;
}

export class CachedRegistryStore implements RegistryStore {
  /** In the order they were stored, so the first key is the oldest copy: the one to drop when full. */
  private readonly copies = new Map<string, Copy>();
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly clock: () => number;

  constructor(
    private readonly store: RegistryStore,
    options: CacheOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.maxAgeMs = options.maxAgeMs ?? Infinity;
    this.clock = options.clock ?? Date.now;
  }

  async saveIfNewer(entry: PeerEntry): Promise<boolean> {
    const stored = await this.store.saveIfNewer(entry);
    if (stored) {
      this.copies.delete(entry.peerId);
      this.keep(entry);
    }
    return stored;
  }

  async has(peerId: string): Promise<boolean> {
    return this.fresh(peerId) !== undefined || this.store.has(peerId);
  }

  count(): Promise<number> {
    return this.store.count();
  }

  async find(peerId: string, now: number): Promise<PeerEntry | undefined> {
    const cached = this.fresh(peerId);
    if (cached) return cached.expiresAt > now ? cached : undefined;
    const found = await this.store.find(peerId, now);
    // An announcement stored while we waited is newer than `found`: keep it.
    if (found && this.fresh(peerId) === undefined) {
      this.copies.delete(peerId);
      this.keep(found);
    }
    return found;
  }

  inMemory(peerId: string): PeerEntry | undefined {
    return this.fresh(peerId);
  }

  countNewPeer(now: number, windowMs: number): Promise<NewPeerWindow> {
    return this.store.countNewPeer(now, windowMs);
  }

  async deleteExpiredBefore(time: number): Promise<number> {
    for (const [peerId, { entry }] of this.copies) if (entry.expiresAt < time) this.copies.delete(peerId);
    return this.store.deleteExpiredBefore(time);
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private fresh(peerId: string): PeerEntry | undefined {
    const copy = this.copies.get(peerId);
    return copy && copy.until > this.clock() ? copy.entry : undefined;
  }

  private keep(entry: PeerEntry): void {
    this.copies.set(entry.peerId, { entry, until: this.clock() + this.maxAgeMs });
    if (this.copies.size > this.maxEntries) this.copies.delete(this.copies.keys().next().value!);
  }
}
