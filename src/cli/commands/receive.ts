/** `peer-backup receive`: store teammates' backups on this machine until stopped. */
import type { Command } from 'commander';
import { defaultReceiverPort, jsonLogger, printable, type App } from '../../core/app';
import { globalOptions, registryOption, withApp } from '../context';
import { port as portOption } from '../option-parsers';
import { untilStopped } from '../stop-signal';

export function registerReceiveCommand(program: Command): void {
  program
    .command('receive')
    .description("receive teammates' backups here until stopped (Ctrl-C); says whether teammates can reach this machine")
    .option('--port <port>', 'port to listen on; 0 picks a free one', portOption, defaultReceiverPort)
    .option('--host <address>', 'interface to listen on (default: all)')
    .option('--storage <dir>', 'where snapshots are kept (default: storage/ in the home)')
    .option(
      registryOption[0],
      'the registry to announce to; repeat it or separate URLs by commas to announce to each (default: $PEER_BACKUP_REGISTRY or http://127.0.0.1:7420)',
      registryOption[2],
    )
    .action(async (options: { port: number; host?: string; storage?: string; registry?: string }, command: Command) => {
      const global = globalOptions(command);
      await withApp(
        global,
        async (app) => {
          const receiver = await app.receiving.start({
            port: options.port,
            host: options.host,
            storageDir: options.storage,
            log: jsonLogger((line) => process.stdout.write(`${line}\n`)),
          });
          process.stdout.write(`receiver listening on ${receiver.url} as ${(await app.identity()).peerId}\n`);
          const reachability = reportReachability(app, receiver.port);
          await untilStopped();
          await receiver.stop();
          await reachability;
        },
        options.registry,
      );
    });
}

/** Asks the registry to connect back, and prints whether teammates outside this network can reach the receiver. */
async function reportReachability(app: App, port: number): Promise<void> {
  let line: string;
  try {
    const { reachable, address, reason } = await app.registry().checkReachability(await app.identity(), port);
    const where = address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
    line = reachable
      ? `Teammates can reach you at ${where}`
      : `Teammates cannot reach you: forward TCP port ${port} to this machine, or enable UPnP on your router (the registry tried ${where}: ${printable(reason ?? 'no reason given')})`;
  } catch (err) {
    line = `Could not check whether teammates can reach you: ${(err as Error).message}`;
  }
  process.stdout.write(`${line}\n`);
}
