/**
 * `peer-backup daemon`: the headless teammate. Receives backups and/or runs
 * this machine's scheduled plans until stopped. Several daemons and editor
 * windows may share one home: only the holder of the scheduler lease
 * schedules (docs/SCHEDULING.md).
 */
import type { Command } from 'commander';
import { defaultReceiverPort } from '../../core/defaults';
import { runBackup } from '../../core/runner';
import { outcomeOf, Scheduler, type SchedulerEvent } from '../../core/schedule';
import { resolveRegistryUrl } from '../../core/registry/registry-url';
import { jsonLogger } from '../../http-server';
import { startReceiver, type RunningReceiver } from '../../receiver/start';
import { globalOptions } from '../context';
import { port as portOption } from '../option-parsers';
import { registryOption, withRunnerContext } from '../runner-context';
import { untilStopped } from '../stop-signal';

interface DaemonOptions {
  receive?: boolean;
  schedule?: boolean;
  port: number;
  host?: string;
  storage?: string;
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
    .option(...registryOption)
    .action(async (options: DaemonOptions, command: Command) => {
      const global = globalOptions(command);
      const both = !options.receive && !options.schedule;
      const logger = jsonLogger((line) => process.stdout.write(`${line}\n`));
      const log = (entry: Record<string, unknown>) => logger.info(entry);
      await withRunnerContext(global, options.registry, async (context, home) => {
        let receiver: RunningReceiver | undefined;
        let scheduler: Scheduler | undefined;
        if (both || options.receive) {
          receiver = await startReceiver({
            store: context.store,
            identity: context.identity,
            storageDir: options.storage ?? home.defaultStorageDir,
            port: options.port,
            host: options.host,
            registryUrl: resolveRegistryUrl(options.registry),
            log: logger,
          });
          log({ event: 'receiving', port: receiver.port, peerId: context.identity.peerId });
        }
        if (both || options.schedule) {
          scheduler = new Scheduler({
            store: context.store,
            // The scheduler retries an absent teammate itself, over minutes; the runner should not add its own pauses.
            runPlan: async (planName, signal) => outcomeOf(await runBackup(context, planName, { signal, retryDelaysMs: [] })),
            onEvent: (event) => log(describeEvent(event)),
          });
          await scheduler.start();
          log({ event: 'scheduling' });
        }
        process.stdout.write(`daemon running as ${context.identity.peerId}\n`);
        const signal = await untilStopped();
        log({ event: 'stopping', signal });
        await scheduler?.stop();
        await receiver?.stop();
      });
    });
}

function describeEvent(event: SchedulerEvent): Record<string, unknown> {
  if (event.type === 'error') return { event: 'scheduler-error', error: event.error.message };
  const { type, ...details } = event;
  return { event: type, ...details };
}
