/** Teammate commands: add one to back up to, share my peer ID, and allow one to back up here. */
import { formatBytes } from '../../core/app';
import { askNewTeammate, askPeerId, askQuota } from '../pickers';
import { whenChosen } from '../report-errors';
import { guardedCommands, type CommandContext, type CommandHandler } from './command-context';

const startReceivingAction = 'Start Receiving';

export function teammateCommands(context: CommandContext): [string, CommandHandler][] {
  const { vsc, services } = context;
  return guardedCommands(context, {
    'peerBackup.addTeammate': [
      'Add Teammate',
      async () => {
        const added = await askNewTeammate(vsc, services.app());
        if (!added) return;
        services.changed();
        void vsc.window.showInformationMessage(`Added ${added.label} (${added.peerId}). Their key is pinned at the first backup to them.`);
      },
    ],

    'peerBackup.copyPeerId': [
      'Copy My Peer ID',
      async () => {
        const { peerId } = await services.app().identity();
        await vsc.env.clipboard.writeText(peerId);
        void vsc.window.showInformationMessage(`Copied your peer ID ${peerId}. A teammate who allows it can store your backups.`);
      },
    ],

    'peerBackup.allowTeammate': [
      'Allow a Teammate to Back Up Here',
      async () => {
        const peerId = await askPeerId(vsc, 'Allow a Teammate to Back Up Here (1/2)', "Your teammate's peer ID (they get it with \"Peer Backup: Copy My Peer ID\")");
        if (peerId === undefined) return;
        const quotaBytes = await askQuota(vsc, 'Allow a Teammate to Back Up Here (2/2)', 'How much space they may use here, e.g. 10GB or 500MB');
        if (quotaBytes === undefined) return;
        const { label } = await services.app().receiving.allow(peerId, quotaBytes);
        services.changed();
        const who = label ? `${label} (${peerId})` : peerId;
        const receiving = services.settings().receiverEnabled;
        const message = `${who} may now store up to ${formatBytes(quotaBytes)} of backups here.${receiving ? '' : ' Start receiving so they can reach this machine.'}`;
        if (receiving) void vsc.window.showInformationMessage(message);
        else whenChosen(vsc.window.showInformationMessage(message, startReceivingAction), startReceivingAction, () => vsc.commands.executeCommand('peerBackup.startReceiving'));
      },
    ],
  });
}
