/**
 * The one message protocol between the settings panel's host (the extension)
 * and its webview script (media/settings/). Both sides import these types;
 * this file imports nothing, so the webview's bundle and its DOM-only
 * typecheck can include it.
 *
 * - The webview says `ready` once its script runs; until then the host sends
 *   nothing (a message posted before the script listens is lost).
 * - The host then pushes `state` whenever what the panel shows changes.
 * - Every action is a `request` with a fresh `requestId`; the host answers it
 *   with exactly one `reply` carrying the same id: a result, or an error with
 *   per-field messages to show next to the inputs.
 */

export interface PanelState {
  peerId: string | undefined;
  /** Why the peer ID could not be loaded, if it could not. */
  identityProblem: string | undefined;
  registryUrl: string;
  /** Why the registry at registryUrl cannot be used (it does not answer, or is not a registry); undefined while it answers or was not asked yet. */
  registryProblem: string | undefined;
  /** The URL teammates use for the registry this editor hosts, when it hosts one. */
  hostedRegistryUrl: string | undefined;
  plans: PlanView[];
  teammates: TeammateView[];
  receiving: ReceivingView;
  history: RunView[];
  schedulePresets: string[];
  /** When the host gathered this state, e.g. "14:32", so a stale view can be told apart. */
  gatheredAt: string;
}

export interface PlanView {
  id: number;
  name: string;
  destination: string | null;
  schedule: string;
  scheduleSummary: string;
  nextRuns: string[];
  enabled: boolean;
  excludes: string[];
  items: { sourcePath: string; archivePath: string }[];
  running: boolean;
  /** "succeeded 12 min ago", "failed 1 h ago: peer offline", or undefined when it never ran. */
  lastRun: string | undefined;
}

export interface TeammateView {
  label: string;
  peerId: string;
  reachability: 'online' | 'offline' | 'unknown';
  reachabilityDetail: string | undefined;
  keyPinned: boolean;
  lastBackup: string | undefined;
}

/** One teammate's figures, asked for by the panel after it shows: a teammate may take seconds to answer, or not answer. */
export interface TeammateFiguresView {
  peerId: string;
  reachable: boolean;
  /** "3 MiB stored of 10 GiB allowed"; absent when not reachable. */
  stored?: string;
  /** "4 snapshots, 2026-11-01 10:00 to 2026-12-01 07:00"; absent when not reachable. */
  snapshots?: string;
  /** Why the teammate is not reachable now. */
  problem?: string;
  /** "good, 2026-12-01 07:10 (plan work)", or "never". */
  lastVerify: string;
}

export interface ReceivingView {
  enabled: boolean;
  state: 'off' | 'on' | 'waiting';
  /** One line on the state: "Listening on port 7421", or why not. */
  detail: string;
  port: number;
  /** As configured; '' means the default folder. */
  storageFolder: string;
  storageDir: string;
  allowed: AllowedView[];
  /** While receiving: "Teammates can reach you at 203.0.113.7:7421", or why they cannot; undefined until the registry has tried. */
  reach: string | undefined;
  /** Whether teammates can reach this machine, when known: how the reach line is shown. */
  reachable: boolean | undefined;
  /** While receiving: what the router did with the port (forwarded by UPnP or NAT-PMP, or no router answered). */
  portMapping: string | undefined;
}

export interface AllowedView {
  peerId: string;
  label: string | null;
  quota: string;
  used: string;
  usedPercent: number;
}

export interface RunView {
  id: number;
  plan: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';
  startedAt: string;
  size: string;
  files: number;
  duration: string;
  error: string | null;
}

/** Each request's parameters and result. Form values arrive as typed text; the host validates them. */
export interface PanelRequests {
  refresh: { params: Record<string, never>; result: null };
  previewSchedule: { params: { schedule: string }; result: { summary: string; nextRuns: string[] } };
  createPlan: { params: { name: string }; result: null };
  savePlan: { params: { plan: string; destination: string; schedule: string; excludes: string }; result: null };
  setPlanEnabled: { params: { plan: string; enabled: boolean }; result: null };
  addPaths: { params: { plan: string; kind: 'files' | 'folders' }; result: { notes: string[] } };
  removePath: { params: { plan: string; sourcePath: string }; result: null };
  removePlan: { params: { plan: string }; result: null };
  runPlan: { params: { plan: string }; result: null };
  addTeammate: { params: { label: string; peerId: string }; result: null };
  removeTeammate: { params: { peerId: string }; result: null };
  setReceiving: { params: { enabled: boolean }; result: null };
  saveReceiver: { params: { port: string; storageFolder: string }; result: null };
  chooseStorageFolder: { params: Record<string, never>; result: null };
  allowSender: { params: { peerId: string; label: string; quota: string }; result: null };
  denySender: { params: { peerId: string }; result: null };
  copyPeerId: { params: Record<string, never>; result: null };
  saveRegistryUrl: { params: { registryUrl: string }; result: null };
  hostRegistry: { params: Record<string, never>; result: null };
  stopHostingRegistry: { params: Record<string, never>; result: null };
  teammateFigures: { params: { peerId: string }; result: TeammateFiguresView };
}

export type RequestMethod = keyof PanelRequests;

export type PanelRequest = {
  [M in RequestMethod]: { kind: 'request'; requestId: number; method: M; params: PanelRequests[M]['params'] };
}[RequestMethod];

export type FromWebview = { kind: 'ready' } | PanelRequest;

/** Messages for the fields of the request's params that failed validation, by param name. */
export type FieldErrors = Partial<Record<string, string>>;

export type Reply =
  | { kind: 'reply'; requestId: number; ok: true; result: unknown }
  | { kind: 'reply'; requestId: number; ok: false; message: string; fieldErrors: FieldErrors };

/**
 * Where the panel opens, with the other sections collapsed: a plan's card
 * with its schedule field focused ("Edit" in the Plans view), a teammate's
 * row (the Teammates view), or the receiving section (the Receiving view).
 */
export type RevealTarget = { plan: string } | { teammate: string } | { receiving: true };

export type Reveal = { kind: 'reveal' } & RevealTarget;

export type ToWebview = { kind: 'state'; state: PanelState } | Reply | Reveal;
