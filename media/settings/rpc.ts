/**
 * The webview's side of the panel protocol (src/vscode/panel/protocol.ts):
 * says `ready` once, numbers each request, and settles each request's promise
 * with the reply that carries its id. Free of the DOM, so it is unit-tested
 * in Node.
 */
import type { FieldErrors, FromWebview, PanelRequest, PanelRequests, PanelState, RequestMethod, RevealTarget, ToWebview } from '../../src/vscode/panel/protocol';

/** A request the host refused: its message, and per-field messages to show next to the inputs. */
export class RequestFailed extends Error {
  constructor(
    message: string,
    readonly fieldErrors: FieldErrors,
  ) {
    super(message);
    this.name = 'RequestFailed';
  }
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: RequestFailed): void;
}

export class PanelClient {
  private nextRequestId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly post: (message: FromWebview) => void,
    private readonly onState: (state: PanelState) => void,
    private readonly onReveal: (target: RevealTarget) => void = () => undefined,
  ) {}

  /** Tells the host the script listens now; the host answers with the state. */
  ready(): void {
    this.post({ kind: 'ready' });
  }

  request<M extends RequestMethod>(method: M, params: PanelRequests[M]['params']): Promise<PanelRequests[M]['result']> {
    const requestId = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { resolve: resolve as (result: unknown) => void, reject });
      this.post({ kind: 'request', requestId, method, params } as PanelRequest);
    });
  }

  /** Handles one message from the host; replies to unknown ids (a reloaded page's old requests) are dropped. */
  receive(message: ToWebview): void {
    if (message.kind === 'state') {
      this.onState(message.state);
      return;
    }
    if (message.kind === 'reveal') {
      this.onReveal(message);
      return;
    }
    const pending = this.pending.get(message.requestId);
    if (!pending) return;
    this.pending.delete(message.requestId);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new RequestFailed(message.message, message.fieldErrors));
  }
}
