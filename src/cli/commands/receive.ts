/** `peer-backup receive`: store teammates' backups on this machine until stopped. */
import type { Command } from 'commander';
import { defaultReceiverPort, jsonLogger, portMappingLine, type App, type RunningReceiver } from '../../core/app';
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
    .option('--no-map-port', 'do not ask the router (UPnP IGD, NAT-PMP) to forward the port')
    .option(
      registryOption[0],
      'the registry to announce to; repeat it or separate URLs by commas to announce to each (default: $PEER_BACKUP_REGISTRY or http://127.0.0.1:7420)',
      registryOption[2],
    )
    .action(async (options: { port: number; host?: string; storage?: string; registry?: string; mapPort: boolean }, command: Command) => {
      const global = globalOptions(command);
      await withApp(
        global,
        async (app) => {
          const receiver = await app.receiving.start({
            port: options.port,
            host: options.host,
            storageDir: options.storage,
            mapPort: options.mapPort,
            log: jsonLogger((line) => process.stdout.write(`${line}\n`)),
          });
          process.stdout.write(`receiver listening on ${receiver.url} as ${(await app.identity()).peerId}\n`);
          const reachability = reportReachability(app, receiver);
          await untilStopped();
          await receiver.stop();
          await reachability;
        },
        options.registry,
      );
    });
}

/** Says what the router did with the port, then whether teammates outside this network can reach the receiver (after the mapping, which it depends on). */
async function reportReachability(app: App, receiver: RunningReceiver): Promise<void> {
  const mapping = await receiver.portMapping;
  if (mapping) process.stdout.write(`${portMappingLine(mapping, receiver.port)}\n`);
  process.stdout.write(`${(await app.receiving.reachability(receiver.port, mapping)).line}\n`);
}
