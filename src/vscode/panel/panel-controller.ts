/**
 * The host's side of the panel protocol (./protocol.ts), apart from the
 * editor so it can be tested with a fake webview: it holds state back until
 * the webview is ready, checks every incoming message's shape, dispatches
 * requests, and answers each with one reply under the same request id.
 */
import { UserError, z } from '../../core/app';
import { InvalidFields } from './field-checks';
import type { PanelRequests, PanelState, Reply, RequestMethod, RevealTarget, ToWebview } from './protocol';

export interface WebviewPort {
  postMessage(message: ToWebview): Thenable<boolean>;
}

export type RequestHandlers = { [M in RequestMethod]: (params: PanelRequests[M]['params']) => Promise<PanelRequests[M]['result']> };

// Text fields are bounded so a runaway message cannot make the host parse megabytes.
const text = z.string().check(z.maxLength(4096));
const none = z.strictObject({});

const paramSchemas = {
  refresh: none,
  previewSchedule: z.strictObject({ schedule: text }),
  createPlan: z.strictObject({ name: text }),
  savePlan: z.strictObject({ plan: text, destination: text, schedule: text, excludes: z.string().check(z.maxLength(65536)) }),
  setPlanEnabled: z.strictObject({ plan: text, enabled: z.boolean() }),
  addPaths: z.strictObject({ plan: text, kind: z.enum(['files', 'folders']) }),
  removePath: z.strictObject({ plan: text, sourcePath: text }),
  removePlan: z.strictObject({ plan: text }),
  runPlan: z.strictObject({ plan: text }),
  addTeammate: z.strictObject({ label: text, peerId: text }),
  removeTeammate: z.strictObject({ peerId: text }),
  setReceiving: z.strictObject({ enabled: z.boolean() }),
  saveReceiver: z.strictObject({ port: text, storageFolder: text }),
  chooseStorageFolder: none,
  allowSender: z.strictObject({ peerId: text, label: text, quota: text }),
  denySender: z.strictObject({ peerId: text }),
  copyPeerId: none,
  saveRegistryUrl: z.strictObject({ registryUrl: text }),
  hostRegistry: none,
  stopHostingRegistry: none,
  teammateFigures: z.strictObject({ peerId: text }),
} satisfies { [M in RequestMethod]: z.ZodMiniType<PanelRequests[M]['params']> };

const messageSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('ready') }),
  z.strictObject({
    kind: z.literal('request'),
    requestId: z.int().check(z.nonnegative()),
    method: z.enum(Object.keys(paramSchemas) as [RequestMethod, ...RequestMethod[]]),
    params: z.unknown(),
  }),
]);

export class PanelController {
  private ready = false;
  /** Pushes are coalesced: one in flight, and at most one more after it with the newest state. */
  private pushing: Promise<void> | undefined;
  private pushAgain = false;
  /** What to reveal once the webview is ready and has its first state. */
  private pendingReveal: RevealTarget | undefined;

  constructor(
    private readonly port: WebviewPort,
    private readonly handlers: RequestHandlers,
    private readonly gatherState: () => Promise<PanelState>,
    private readonly onUnexpected: (what: string, err: unknown) => void,
  ) {}

  async receive(message: unknown): Promise<void> {
    const parsed = messageSchema.safeParse(message);
    if (!parsed.success) {
      this.onUnexpected('a panel message', new Error(`malformed message from the webview: ${JSON.stringify(message)?.slice(0, 200)}`));
      return;
    }
    const envelope = parsed.data;
    if (envelope.kind === 'ready') {
      this.ready = true;
      await this.pushState();
      if (this.pendingReveal !== undefined) await this.reveal(this.pendingReveal);
      return;
    }
    await this.post(await this.dispatch(envelope.requestId, envelope.method, envelope.params));
  }

  /** Sends the current state, if the webview is ready for it. */
  pushState(): Promise<void> {
    if (!this.ready) return Promise.resolve();
    if (this.pushing) {
      this.pushAgain = true;
      return this.pushing;
    }
    this.pushing = (async () => {
      do {
        this.pushAgain = false;
        try {
          await this.post({ kind: 'state', state: await this.gatherState() });
        } catch (err) {
          this.onUnexpected('refreshing the settings panel', err);
        }
      } while (this.pushAgain);
    })().finally(() => (this.pushing = undefined));
    return this.pushing;
  }

  /** Opens the page at `target`; before the webview is ready, once it is. */
  async reveal(target: RevealTarget): Promise<void> {
    if (!this.ready) {
      this.pendingReveal = target;
      return;
    }
    this.pendingReveal = undefined;
    await this.post({ kind: 'reveal', ...target });
  }

  private async dispatch(requestId: number, method: RequestMethod, rawParams: unknown): Promise<Reply> {
    const params = paramSchemas[method].safeParse(rawParams);
    if (!params.success) {
      this.onUnexpected(`the panel's "${method}" request`, new Error(`malformed parameters: ${params.error.message}`));
      return { kind: 'reply', requestId, ok: false, message: 'The panel sent a malformed request; see the log.', fieldErrors: {} };
    }
    try {
      const handler = this.handlers[method] as (params: unknown) => Promise<unknown>;
      return { kind: 'reply', requestId, ok: true, result: await handler(params.data) };
    } catch (err) {
      if (err instanceof InvalidFields) return { kind: 'reply', requestId, ok: false, message: err.message, fieldErrors: err.fieldErrors };
      if (err instanceof UserError) return { kind: 'reply', requestId, ok: false, message: err.message, fieldErrors: {} };
      this.onUnexpected(`the panel's "${method}" request`, err);
      return { kind: 'reply', requestId, ok: false, message: `Unexpected error: ${(err as Error).message}. See the log (Peer Backup: Show Log).`, fieldErrors: {} };
    }
  }

  private async post(message: ToWebview): Promise<void> {
    await this.port.postMessage(message);
  }
}
