/** `peer-backup dest add|list|remove`: the teammates this machine backs up to. */
import type { Command } from 'commander';
import { globalOptions, report, withApp } from '../context';

export function registerDestCommands(program: Command): void {
  const dest = program.command('dest').description('the teammates this machine backs up to');

  dest
    .command('add')
    .description('add a teammate as a destination')
    .argument('<label>', 'a name for them, e.g. alice')
    .argument('<peer>', 'their peer ID (they get it from "peer-backup id" or "Copy My Peer ID")')
    .action(async (label: string, peer: string, _options: object, command: Command) => {
      const global = globalOptions(command);
      await withApp(global, async (app) => {
        const added = await app.teammates.add(label, peer);
        report(global, added, () => `Added ${added.label} (${added.peerId}). Their key is pinned at the first backup.`);
      });
    });

  dest
    .command('list')
    .description('list destinations')
    .action(async (_options: object, command: Command) => {
      const global = globalOptions(command);
      await withApp(global, async (app) => {
        const destinations = await app.teammates.list();
        report(global, destinations, () =>
          destinations.length === 0
            ? 'No destinations yet: "peer-backup dest add LABEL PEER_ID".'
            : destinations.map((d) => `${d.label}  ${d.peerId}  ${d.publicKey ? 'key pinned' : 'not contacted yet'}`).join('\n'),
        );
      });
    });

  dest
    .command('remove')
    .description('remove a destination (plans that name it keep its peer ID)')
    .argument('<label-or-peer>')
    .action(async (given: string, _options: object, command: Command) => {
      const global = globalOptions(command);
      await withApp(global, async (app) => {
        await app.teammates.remove(given);
        report(global, { removed: given }, () => `Removed destination ${given}.`);
      });
    });
}
