/**
 * `peer-backup recovery-kit` shows the recovery code once (made on first
 * use, or at the first backup); `--new` makes a new one, and teammates get
 * the new kit at the next backup. `peer-backup recover` is for the day the
 * laptop dies: recover.ts.
 */
import type { Command } from 'commander';
import { formatTime } from '../../core/app';
import { globalOptions, report, withApp } from '../context';

export function registerRecoveryKitCommand(program: Command): void {
  program
    .command('recovery-kit')
    .description('show the recovery code (once) that brings this machine\'s backups back on a new machine')
    .option('--new', 'make a new code; the old one stops working once teammates have the new kit (at the next backup)')
    .action(async (options: { new?: boolean }, command: Command) => {
      const global = globalOptions(command);
      await withApp(global, async (app) => {
        const kit = await app.recovery.show({ renew: options.new === true });
        report(global, kit, () => {
          const held = kit.heldBy.length === 0 ? 'No teammate holds it yet: the next backup leaves it with the plan\'s teammate.' : `Held by: ${kit.heldBy.join(', ')}.`;
          if (kit.code === undefined) {
            return [
              `This machine has a recovery kit, made ${formatTime(kit.createdAt)}; its code was shown when it was made and is not kept here.`,
              held,
              'If the code is lost, make a new one with "peer-backup recovery-kit --new".',
            ].join('\n');
          }
          return [
            'Your recovery code (shown once):',
            '',
            `  ${kit.code}`,
            '',
            'Write it down and keep it off this machine (on paper, or in a password manager). With it and a teammate\'s peer ID,',
            '"peer-backup recover --from PEER_ID --code "..." --to DIR" brings your backups back on a new machine.',
            held,
          ].join('\n');
        });
      });
    });
}
