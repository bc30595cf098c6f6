/** The Peer Backup view container's three views (package.json contributes.views), redrawn on every change. */
import type * as vscode from 'vscode';
import type { ReceiverSwitch } from '../receiver-switch';
import type { Services } from '../services';
import { gatherPlans, plansViewId } from './plans-view';
import { gatherReceiving, receivingViewId } from './receiving-view';
import { gatherTeammates, teammatesViewId } from './teammates-view';
import { GatheredTree, type TreeNode } from './tree';

export function createViews(services: Services, receiver: ReceiverSwitch): vscode.Disposable[] {
  const trees: [string, GatheredTree][] = [
    [plansViewId, new GatheredTree(services, () => gatherPlans(services))],
    [teammatesViewId, new GatheredTree(services, () => gatherTeammates(services))],
    [receivingViewId, new GatheredTree(services, () => gatherReceiving(services, receiver))],
  ];
  return trees.flatMap(([id, tree]) => [tree, services.vsc.window.createTreeView<TreeNode>(id, { treeDataProvider: tree })]);
}
