/**
 * What the three views share: a tree gathered in one go from the core (a
 * handful of plans, teammates or senders), redrawn whenever something
 * changes. Nodes carry their item as the editor shows it and, for a plan,
 * its name, which the inline actions (Run Now, Edit) receive.
 */
import type * as vscode from 'vscode';
import type { RevealTarget } from '../panel/protocol';
import type { Services } from '../services';

export interface TreeNode {
  item: vscode.TreeItem;
  children?: TreeNode[];
  /** The plan a node stands for, for the commands run on it. */
  planName?: string;
}

/** Opens the settings panel at `target` when the item is chosen (click or Enter). */
export function openSettingsAt(target: RevealTarget): vscode.Command {
  return { command: 'peerBackup.openSettings', title: 'Open in Settings', arguments: [target] };
}

/** A node whose visible label and accessible label both say what it is. */
export function node(label: string, accessible: string, details: Omit<vscode.TreeItem, 'label' | 'accessibilityInformation'> = {}, children?: TreeNode[]): TreeNode {
  return { item: { label, accessibilityInformation: { label: accessible }, ...details }, children };
}

export class GatheredTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly listeners = new Set<(changed: TreeNode | undefined) => void>();
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly services: Services,
    private readonly gather: () => Promise<TreeNode[]>,
  ) {
    this.subscription = services.onChanged(() => this.refresh());
  }

  readonly onDidChangeTreeData: vscode.Event<TreeNode | undefined> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  refresh(): void {
    for (const listener of this.listeners) listener(undefined);
  }

  getTreeItem(element: TreeNode): vscode.TreeItem {
    const { vsc } = this.services;
    return { ...element.item, collapsibleState: element.children?.length ? vsc.TreeItemCollapsibleState.Expanded : vsc.TreeItemCollapsibleState.None };
  }

  async getChildren(element?: TreeNode): Promise<TreeNode[]> {
    if (element) return element.children ?? [];
    try {
      return await this.gather();
    } catch (err) {
      // The view shows why it is empty instead of a blank; the log has the rest.
      this.services.log.warn(`A Peer Backup view: ${(err as Error).message}`);
      return [node(`Cannot show this: ${(err as Error).message}`, (err as Error).message, { iconPath: new this.services.vsc.ThemeIcon('error') })];
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.listeners.clear();
  }
}
