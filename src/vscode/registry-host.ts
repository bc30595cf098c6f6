/**
 * "Host a Registry on This Machine": the editor runs the same registry as
 * `peer-backup registry`, with its database in this editor's home, until it
 * is stopped or the window closes. It listens on every interface so that
 * teammates can reach it; this machine itself uses it over loopback.
 */
import { mkdir } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { defaultRegistryPort, hostRegistry, jsonLogger, registryDefaults, UserError, type RunningRegistry } from '../core/app';
import type { Services } from './services';

/** As `peer-backup registry` has them unless told otherwise. */
const ttlSeconds = 7200;
const rateLimitPerMinute = 600;

export interface HostedRegistry {
  /** What this machine's registry URL setting becomes. */
  localUrl: string;
  /** What teammates on the network should set theirs to. */
  shareUrl: string;
  port: number;
}

export class RegistryHost {
  private running: { registry: RunningRegistry; hosted: HostedRegistry } | undefined;

  constructor(private readonly services: Services) {}

  get hosted(): HostedRegistry | undefined {
    return this.running?.hosted;
  }

  /** Starts hosting (on `port`, else the default port, else any free one); hosting already is no error. */
  async start(port?: number): Promise<HostedRegistry> {
    if (this.running) return this.running.hosted;
    this.services.app(); // an unusable peerBackup.home is reported before anything is written
    await mkdir(this.services.home.dir, { recursive: true, mode: 0o700 });
    const registry = await this.listen(port ?? defaultRegistryPort).catch((err: unknown) => {
      // The usual port is taken (another registry, another program): any free port serves as well.
      if (port === undefined && err instanceof UserError) return this.listen(0);
      throw err;
    });
    const bound = Number(new URL(registry.url).port);
    const hosted = { localUrl: `http://127.0.0.1:${bound}`, shareUrl: `http://${networkAddress() ?? '127.0.0.1'}:${bound}`, port: bound };
    this.running = { registry, hosted };
    this.services.log.info(`Hosting a registry on port ${bound} (database ${this.databaseFile()}); teammates use ${hosted.shareUrl}`);
    this.services.changed();
    return hosted;
  }

  async stop(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    if (!running) return;
    await running.registry.close();
    this.services.log.info('Stopped hosting the registry');
    this.services.changed();
  }

  private listen(port: number): Promise<RunningRegistry> {
    return hostRegistry({
      dbFile: this.databaseFile(),
      host: '0.0.0.0',
      port,
      ttlSeconds,
      rateLimitPerMinute,
      maxNewPeersPerMinute: registryDefaults.maxNewPeersPerMinute,
      maxPeers: registryDefaults.maxPeers,
      checkAfterSeconds: registryDefaults.checkAfterSeconds,
      log: jsonLogger((line) => this.services.log.debug(`registry: ${line}`)),
    });
  }

  /** Where `peer-backup registry` keeps it too, so a shared home has one registry database. */
  private databaseFile(): string {
    return join(this.services.home.dir, 'registry.db');
  }
}

/** This machine's first IPv4 address on a network, the one a teammate most likely reaches it at. */
function networkAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((address) => address.family === 'IPv4' && !address.internal);
    if (found) return found.address;
  }
  return undefined;
}
