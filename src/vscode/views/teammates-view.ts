/** The Teammates view: each teammate by name, online or not as the registry sees it, and the last backup to them; choosing one opens the panel at it. */
import { formatTime, timeAgo } from '../../core/app';
import type { Services } from '../services';
import { node, openSettingsAt, type TreeNode } from './tree';

export const teammatesViewId = 'peerBackup.teammates';

const reachabilityIcons = { online: 'circle-filled', offline: 'circle-outline', unknown: 'question' } as const;

export async function gatherTeammates(services: Services): Promise<TreeNode[]> {
  const { ThemeIcon } = services.vsc;
  const now = new Date();
  const statuses = await services.app().teammates.statuses();
  return statuses.map((teammate) => {
    const lastBackup = teammate.lastBackupAt === undefined ? 'no backup yet' : `last backup ${timeAgo(teammate.lastBackupAt, now)}`;
    const state = teammate.reachability === 'unknown' ? 'online state unknown' : teammate.reachability;
    return node(teammate.label, `Teammate ${teammate.label}: ${state}, ${lastBackup}`, {
      description: `${state} · ${lastBackup}`,
      tooltip: [
        `${teammate.label} (${teammate.peerId})`,
        teammate.reachabilityDetail ?? '',
        teammate.lastBackupAt === undefined ? '' : `Last backup: ${formatTime(teammate.lastBackupAt)}`,
        teammate.keyPinned ? 'Key pinned at the first backup' : 'Key not pinned yet: it is at the first backup',
      ]
        .filter(Boolean)
        .join('\n'),
      iconPath: new ThemeIcon(reachabilityIcons[teammate.reachability]),
      command: openSettingsAt({ teammate: teammate.peerId }),
    });
  });
}
