/** `peer-backup registry`: run the registry server until SIGINT or SIGTERM. */
import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { batchedLogger, defaultRegistryPort, hostRegistry, registryDefaults, resolveHome, type RunningRegistry } from '../../core/app';
import { globalOptions } from '../context';
import { integerFrom, port } from '../option-parsers';
import { untilStopped } from '../stop-signal';

interface RegistryCommandOptions {
  port: number;
  host: string;
  db?: string;
  ttl: number;
  rateLimit: number;
  maxNewPeersPerMinute: number;
  maxPeers: number;
  checkAfter: number;
}

/** A --db the registry opens as PostgreSQL rather than as a SQLite file. */
const postgresUrl = /^postgres(ql)?:\/\//i;

/** The database for the log: a PostgreSQL URL without its password. */
function describeDb(db: string): string {
  if (!postgresUrl.test(db)) return db;
  const url = new URL(db);
  if (url.password) url.password = '***';
  return url.href;
}

export function registerRegistryCommand(program: Command): void {
  program
    .command('registry')
    .description('run the registry that lets peers find each other by peer ID (until stopped); logs one JSON line per request')
    .option('--port <port>', 'TCP port to listen on; 0 picks a free one', port, defaultRegistryPort)
    .option('--host <address>', 'address to listen on; 127.0.0.1 for this machine only', '0.0.0.0')
    .option('--db <file-or-url>', 'the registry database: a SQLite file (default: registry.db in the home), or postgres://USER:PASSWORD@HOST:PORT/DATABASE, which several registries may share')
    .option('--ttl <seconds>', 'how long an announcement stays valid; peers re-announce after a third of it', integerFrom(1, 7 * 24 * 3600), 7200)
    .option('--rate-limit <n>', 'requests a minute allowed from one address (IPv6: one /64); 0 for no limit', integerFrom(0, 1_000_000), 600)
    .option('--max-new-peers-per-minute <n>', 'peer IDs not seen before accepted a minute, from all addresses; 0 for no limit', integerFrom(0, 1_000_000), registryDefaults.maxNewPeersPerMinute)
    .option('--max-peers <n>', 'peers the database may hold; new ones are refused when full', integerFrom(1, 100_000_000), registryDefaults.maxPeers)
    .option('--check-after <seconds>', 'how often peers check that their entry is still here (after a restart with an empty database)', integerFrom(1, 3600), registryDefaults.checkAfterSeconds)
    .action(async (options: RegistryCommandOptions, command: Command) => {
      const home = resolveHome(globalOptions(command).home);
      const db = options.db === undefined ? join(home.dir, 'registry.db') : postgresUrl.test(options.db) ? options.db : resolve(options.db);
      const log = batchedLogger((text) => process.stdout.write(text));
      const registry: RunningRegistry = await hostRegistry({
        dbFile: db,
        host: options.host,
        port: options.port,
        ttlSeconds: options.ttl,
        rateLimitPerMinute: options.rateLimit,
        maxNewPeersPerMinute: options.maxNewPeersPerMinute,
        maxPeers: options.maxPeers,
        checkAfterSeconds: options.checkAfter,
        log,
      });
      // The first line, plain, so scripts and tests can wait for it and read the port.
      process.stdout.write(`registry listening on ${registry.url}\n`);
      log.info({ event: 'started', db: describeDb(db), ttlSeconds: options.ttl, rateLimitPerMinute: options.rateLimit });
      const signal = await untilStopped();
      await registry.close();
      log.info({ event: 'stopped', signal });
    });
}
