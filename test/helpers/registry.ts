/** A real registry server inside the test process, on a free loopback port: a real SQLite file, or the PostgreSQL database `db` names. */
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { jsonLogger } from '../../src/http-server';
import { startRegistry, type RegistryServerOptions } from '../../src/registry/server';
import { openRegistryStore } from '../../src/registry/store';
import { tempDir } from './temp';

export interface TestRegistry {
  url: string;
  /** Its log lines, parsed. */
  logs: Record<string, unknown>[];
  /** Stops the server early; the test's end stops it otherwise. */
  close(): Promise<void>;
}

export async function startTestRegistry(
  t: TestContext,
  options: Partial<Omit<RegistryServerOptions, 'store' | 'log'>> & { db?: string; port?: number } = {},
): Promise<TestRegistry> {
  const { db, ...serverOptions } = options;
  const store = await openRegistryStore(db ?? join(tempDir(t), 'registry.db'));
  const logs: Record<string, unknown>[] = [];
  const registry = await startRegistry({
    store,
    host: '127.0.0.1',
    port: 0,
    ttlSeconds: 3600,
    rateLimitPerMinute: 0,
    log: jsonLogger((line) => logs.push(JSON.parse(line) as Record<string, unknown>)),
    ...serverOptions,
  });
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= registry.close().then(() => store.close()));
  t.after(close);
  return { url: registry.url, logs, close };
}
