/**
 * Serves look-ups from memory. Every write goes through this process, so the
 * copy cannot go stale as long as one registry process owns the store (the
 * CLI's case); SQLite then only sees announcements. Without it each look-up
 * waits in the single connection's queue, which caps the registry at a few
 * thousand look-ups a second (see bench/registry.ts).
 */
import type { PeerEntry, RegistryStore } from './registry-store';

export class CachedRegistryStore implements RegistryStore {
  /** In announcement order, so the first key is the least recently announced: the one to drop when full. */
  private readonly entries = new Map<string, PeerEntry>();

  constructor(
    private readonly store: RegistryStore,
    private readonly maxEntries = 100_000,
  ) {}

  async saveIfNewer(entry: PeerEntry): Promise<boolean> {
    const stored = await this.store.saveIfNewer(entry);
    if (stored) {
      this.entries.delete(entry.peerId);
      this.entries.set(entry.peerId, entry);
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    return stored;
  }

  async has(peerId: string): Promise<boolean> {
    return this.entries.has(peerId) || this.store.has(peerId);
  }

  count(): Promise<number> {
    return this.store.count();
  }

  async find(peerId: string, now: number): Promise<PeerEntry | undefined> {
    const cached = this.entries.get(peerId);
    if (cached) return cached.expiresAt > now ? cached : undefined;
    const found = await this.store.find(peerId, now);
    // An announcement stored while we waited is newer than `found`: keep it.
    if (found && !this.entries.has(peerId) && this.entries.size < this.maxEntries) this.entries.set(peerId, found);
    return found;
  }

  async deleteExpiredBefore(time: number): Promise<number> {
    for (const [peerId, entry] of this.entries) if (entry.expiresAt < time) this.entries.delete(peerId);
    return this.store.deleteExpiredBefore(time);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
