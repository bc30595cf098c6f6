/**
 * The settings panel's host: one webview panel, opened or revealed by
 * "Open Settings" and the status bar, and brought back by the serializer
 * after a reload. Only media/ is readable by the webview; each render gets a
 * new nonce. The webview keeps its own state (getState/setState), so the
 * panel does not need retainContextWhenHidden: when shown again it reloads,
 * says ready, and gets fresh state.
 */
import type * as vscode from 'vscode';
import { showError } from '../report-errors';
import { gatherPanelState } from './panel-state';
import { PanelController } from './panel-controller';
import type { RevealTarget } from './protocol';
import { newNonce, panelHtml } from './panel-html';
import { createRequestHandlers, type PanelContext } from './panel-requests';
import { settingsViewType } from './view-type';

const title = 'Peer Backup Settings';

export class SettingsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private controller: PanelController | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly context: PanelContext,
    private readonly extensionUri: vscode.Uri,
  ) {
    this.subscription = context.services.onChanged(() => void this.controller?.pushState());
  }

  /** Opens or reveals the panel; with a target, at that plan, teammate or section, the rest collapsed. */
  show(target?: RevealTarget): void {
    if (this.panel) {
      this.panel.reveal();
    } else {
      const { vsc } = this.context.services;
      this.attach(vsc.window.createWebviewPanel(settingsViewType, title, vsc.ViewColumn.Active, this.webviewOptions()));
    }
    if (target !== undefined) void this.controller?.reveal(target);
  }

  /** For registerWebviewPanelSerializer: re-attaches a panel the editor restored after a reload. */
  serializer(): vscode.WebviewPanelSerializer {
    return {
      deserializeWebviewPanel: async (panel) => {
        if (this.panel) {
          panel.dispose(); // one settings panel is enough
          return;
        }
        panel.webview.options = this.webviewOptions();
        this.attach(panel);
      },
    };
  }

  dispose(): void {
    this.subscription.dispose();
    this.panel?.dispose();
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, localResourceRoots: [this.mediaUri()] };
  }

  private attach(panel: vscode.WebviewPanel): void {
    const { services } = this.context;
    const { vsc, log } = services;
    this.panel = panel;
    panel.iconPath = vsc.Uri.joinPath(this.mediaUri(), 'icon.png');
    const controller = new PanelController(
      panel.webview,
      createRequestHandlers(this.context),
      () => gatherPanelState(this.context),
      (what, err) => showError(vsc, log, what, err),
    );
    this.controller = controller;
    const disposables = [
      panel.webview.onDidReceiveMessage((message: unknown) => controller.receive(message)),
      panel.onDidDispose(() => {
        for (const disposable of disposables) disposable.dispose();
        this.panel = undefined;
        this.controller = undefined;
      }),
    ];
    const media = this.mediaUri();
    panel.webview.html = panelHtml(
      {
        cspSource: panel.webview.cspSource,
        scriptUri: panel.webview.asWebviewUri(vsc.Uri.joinPath(media, 'dist', 'settings.js')).toString(),
        styleUri: panel.webview.asWebviewUri(vsc.Uri.joinPath(media, 'settings.css')).toString(),
      },
      newNonce(),
    );
  }

  private mediaUri(): vscode.Uri {
    return this.context.services.vsc.Uri.joinPath(this.extensionUri, 'media');
  }
}
