/** The Receiving view: whether this machine receives, and who may back up here with the space each uses; choosing a line opens the panel's receiving section. */
import type { ReceiverSwitch } from '../receiver-switch';
import type { Services } from '../services';
import { receiverPlace } from '../settings';
import { formatBytes, teammateName } from '../wording';
import { node, openSettingsAt, type TreeNode } from './tree';

export const receivingViewId = 'peerBackup.receiving';

export async function gatherReceiving(services: Services, receiver: ReceiverSwitch): Promise<TreeNode[]> {
  const { ThemeIcon } = services.vsc;
  const status = receiver.status;
  const state =
    status.state === 'on'
      ? node(`Receiving on port ${status.port}`, `Receiving teammates' backups on port ${status.port}`, { iconPath: new ThemeIcon('radio-tower'), command: openSettingsAt({ receiving: true }) })
      : status.state === 'waiting'
        ? node('Not receiving in this window', `Not receiving in this window: ${status.reason}`, {
            description: status.reason,
            tooltip: status.reason,
            iconPath: new ThemeIcon('warning'),
            command: openSettingsAt({ receiving: true }),
          })
        : node('Not receiving', 'Not receiving: teammates cannot back up to this machine', {
            description: 'Start Receiving to let teammates back up here',
            iconPath: new ThemeIcon('circle-slash'),
            command: { command: 'peerBackup.startReceiving', title: 'Start Receiving' },
          });
  let storageDir: string | undefined;
  try {
    storageDir = receiverPlace(services.settings(), services.home).storageDir;
  } catch {
    storageDir = undefined; // the state line above says what is wrong with the settings
  }
  const senders = await services.app().receiving.allowed(storageDir);
  return [
    state,
    ...senders.map((sender) => {
      const name = teammateName(sender.label, sender.peerId);
      const usage = `${formatBytes(storageDir ? sender.usedBytes : 0)} of ${formatBytes(sender.quotaBytes)}`;
      return node(name, `${name} may back up here: ${usage} used`, {
        description: `${usage} used`,
        tooltip: `${name} (${sender.peerId}) may store up to ${formatBytes(sender.quotaBytes)} here`,
        iconPath: new ThemeIcon('account'),
        command: openSettingsAt({ receiving: true }),
      });
    }),
  ];
}
