/**
 * `peer-backup daemon`: the headless teammate. Receives backups and/or runs
 * this machine's scheduled plans until stopped. Several daemons and editor
 * windows may share one home: only the holder of the scheduler lease
 * schedules (docs/SCHEDULING.md).
 */
import type { Command } from 'commander';
import { defaultReceiverPort, jsonLogger, type RunningReceiver, type SchedulerEvent } from '../../core/app';
import { globalOptions, registryOption, withApp } from '../context';
import { port as portOption } from '../option-parsers';
import { untilStopped } from '../stop-signal';

interface DaemonOptions {
  receive?: boolean;
  schedule?: boolean;
  port: number;
  host?: string;
  storage?: string;
  mapPort: boolean;
  registry?: string;
}

export function registerDaemonCommand(program: Command): void {
  program
    .command('daemon')
    .description('receive backups and/or run scheduled plans until stopped (both unless one is chosen)')
    .option('--receive', "receive teammates' backups")
    .option('--schedule', "run this machine's plans on their schedules, catching up missed ones")
    .option('--port <port>', 'port to receive on; 0 picks a free one', portOption, defaultReceiverPort)
    .option('--host <address>', 'interface to receive on (default: all)')
    .option('--storage <dir>', 'where received snapshots are kept (default: storage/ in the home)')
    .option('--no-map-port', 'do not ask the router (UPnP IGD, NAT-PMP) to forward the receiving port')
    .option(...registryOption)
    .action(async (options: DaemonOptions, command: Command) => {
      const global = globalOptions(command);
      const both = !options.receive && !options.schedule;
      const logger = jsonLogger((line) => process.stdout.write(`${line}\n`));
      const log = (entry: Record<string, unknown>) => logger.info(entry);
      await withApp(
        global,
        async (app) => {
          let receiver: RunningReceiver | undefined;
          const { peerId } = await app.identity();
          if (both || options.receive) {
            receiver = await app.receiving.start({ port: options.port, host: options.host, storageDir: options.storage, mapPort: options.mapPort, log: logger });
            log({ event: 'receiving', port: receiver.port, peerId });
          }
          if (both || options.schedule) {
            await app.runs.startScheduler({ onEvent: (event) => log(describeEvent(event)) });
            log({ event: 'scheduling' });
          }
          process.stdout.write(`daemon running as ${peerId}\n`);
          const signal = await untilStopped();
          log({ event: 'stopping', signal });
          await app.runs.stopScheduler();
          await receiver?.stop();
        },
        options.registry,
      );
    });
}

function describeEvent(event: SchedulerEvent): Record<string, unknown> {
  if (event.type === 'error') return { event: 'scheduler-error', error: event.error.message };
  const { type, ...details } = event;
  return { event: type, ...details };
}
