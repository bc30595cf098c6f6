/** `peer-backup id`: this home's peer ID, the thing a teammate types to back up to you. */
import type { Command } from 'commander';
import { globalOptions, report, withApp } from '../context';

export function registerIdCommand(program: Command): void {
  program
    .command('id')
    .description("print this home's peer ID (made on first use), for teammates who back up to you")
    .action(async (_options: object, command: Command) => {
      const global = globalOptions(command);
      await withApp(global, async (app) => {
        const identity = await app.identity();
        report(global, { peerId: identity.peerId, publicKey: identity.publicKey.toString('base64') }, () => identity.peerId);
      });
    });
}
