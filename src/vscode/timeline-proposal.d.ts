/**
 * The members of the editor's proposed "timeline" API that the backup
 * timeline uses, modelled on vscode.proposed.timeline.d.ts. They are not in
 * the stable typings: the editor provides them only to an extension it was
 * started to allow (--enable-proposed-api), and otherwise the registration
 * throws, so these are declared apart rather than merged into 'vscode'.
 */
import type { CancellationToken, Command, Disposable, Event, ThemeIcon, Uri } from 'vscode';

export interface TimelineItem {
  /** Milliseconds since the epoch: where the item sits in the timeline. */
  timestamp: number;
  label: string;
  /** Unique among the provider's items for the same file. */
  id?: string;
  iconPath?: ThemeIcon;
  description?: string;
  tooltip?: string;
  /** Run when the item is chosen. */
  command?: Command;
  contextValue?: string;
  accessibilityInformation?: { label: string; role?: string };
}

export interface TimelineChangeEvent {
  uri: Uri;
  reset?: boolean;
}

export interface Timeline {
  readonly paging?: { readonly cursor: string | undefined };
  readonly items: readonly TimelineItem[];
}

export interface TimelineOptions {
  cursor?: string;
  limit?: number | { timestamp: number; id?: string };
}

export interface TimelineProvider {
  /** Fired when items may have changed; undefined for every file. */
  readonly onDidChange?: Event<TimelineChangeEvent | undefined>;
  readonly id: string;
  /** The name shown in the Timeline view's source filter. */
  readonly label: string;
  provideTimeline(uri: Uri, options: TimelineOptions, token: CancellationToken): Promise<Timeline | undefined>;
}

/** vscode.workspace's proposed member; absent from or throwing in an editor that does not allow the proposal. */
export interface TimelineWorkspace {
  registerTimelineProvider(scheme: string | string[], provider: TimelineProvider): Disposable;
}
