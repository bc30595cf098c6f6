/** Start/Stop Receiving: flip peerBackup.receiver.enabled; every open window follows the setting. */
import { UserError } from '../../core/app';
import { writeSetting } from '../settings';
import { guardedCommands, type CommandContext, type CommandHandler } from './command-context';

export function receivingCommands(context: CommandContext): [string, CommandHandler][] {
  const { vsc, receiver } = context;
  return guardedCommands(context, {
    'peerBackup.startReceiving': [
      'Start Receiving',
      async () => {
        await writeSetting(vsc, 'receiver.enabled', true);
        const status = await receiver.sync();
        if (status.state === 'on') {
          void vsc.window.showInformationMessage(`Receiving teammates' backups on port ${status.port} as ${status.peerId}.`);
        } else if (status.state === 'waiting') {
          throw new UserError(`Receiving is switched on, but this window does not receive: ${status.reason}`);
        }
      },
    ],

    'peerBackup.stopReceiving': [
      'Stop Receiving',
      async () => {
        await writeSetting(vsc, 'receiver.enabled', false);
        await receiver.sync();
        void vsc.window.showInformationMessage('Stopped receiving backups. Snapshots already stored here stay.');
      },
    ],
  });
}
