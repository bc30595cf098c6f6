/**
 * A stand-in for the few `vscode` calls the extension's glue makes, for unit
 * tests in plain Node: the user's answers to quick picks, input boxes and
 * dialogs are scripted in advance, and what the extension shows (messages,
 * progress, status bar, webview messages) is recorded. Everything behind the
 * glue is real: database, files, servers.
 *
 * An unscripted prompt fails the test, so a flow that asks one question too
 * many (or too few: leftover answers) is caught.
 */
import assert from 'node:assert/strict';
import { join, relative, isAbsolute } from 'node:path';
import type * as vscode from 'vscode';
import { activateWith, type ExtensionContext } from '../../src/vscode/activate';
import type { Vscode } from '../../src/vscode/vscode-api';

export class FakeUri {
  constructor(
    readonly scheme: string,
    readonly fsPath: string,
  ) {}

  get path(): string {
    return this.fsPath;
  }

  toString(): string {
    return `${this.scheme}://${this.fsPath}`;
  }

  static file(path: string): FakeUri {
    return new FakeUri('file', path);
  }

  static joinPath(base: FakeUri, ...parts: string[]): FakeUri {
    return new FakeUri(base.scheme, join(base.fsPath, ...parts));
  }
}

export type Prompt =
  | { kind: 'quickPick'; items: vscode.QuickPickItem[]; options: vscode.QuickPickOptions | undefined }
  | { kind: 'inputBox'; options: vscode.InputBoxOptions }
  | { kind: 'openDialog'; options: vscode.OpenDialogOptions }
  | { kind: 'modal'; message: string; actions: string[] };

export interface Shown {
  level: 'info' | 'warning' | 'error';
  message: string;
  actions: string[];
}

export interface FakeWebviewPanel {
  viewType: string;
  title: string;
  webview: {
    html: string;
    options: vscode.WebviewOptions;
    cspSource: string;
    posted: unknown[];
    /** Called with each message the host posts, as the webview script's message listener would be. */
    onPosted: ((message: unknown) => void) | undefined;
    /** Delivers a message as if the webview script had posted it; resolves when the host has handled it. */
    send(message: unknown): Promise<void>;
  };
  disposed: boolean;
  dispose(): void;
}

export class FakeEditor {
  readonly shown: Shown[] = [];
  readonly progress: { title: string | undefined; messages: string[] }[] = [];
  readonly commands = new Map<string, (...args: unknown[]) => unknown>();
  /** No router is asked to forward a port by default: tests send traffic to loopback only. */
  readonly config = new Map<string, unknown>([['receiver.mapPort', false]]);
  readonly secrets = new Map<string, string>();
  readonly panels: FakeWebviewPanel[] = [];
  readonly statusBarItems: { text: string; tooltip: unknown; backgroundColor: unknown; command: unknown; visible: boolean }[] = [];
  readonly logLines: string[] = [];
  readonly serializers = new Map<string, vscode.WebviewPanelSerializer>();
  /** Tree views by id, with their data providers. */
  readonly treeViews = new Map<string, vscode.TreeDataProvider<unknown>>();
  /** What setContext set, by key. */
  readonly contextValues = new Map<string, unknown>();
  /** The editor's own commands the extension ran (vscode.diff and the like), with their arguments. */
  readonly builtInCommands: { id: string; args: unknown[] }[] = [];
  clipboard = '';
  /** Whether the editor allows the proposed Timeline API; otherwise registering a provider throws, as in stable VS Code. */
  allowTimelineApi = false;
  /** The Timeline providers registered while it was allowed. */
  readonly timelineProviders: { scheme: string | string[]; provider: unknown }[] = [];
  /** Set to cancel the next withProgress task as soon as it reports progress. */
  cancelOnProgress = false;

  private readonly answers: ((prompt: Prompt) => unknown)[] = [];
  /** Actions to click on notifications (not modal dialogs) whose message matches, each used once. */
  private readonly notificationClicks: { message: RegExp; action: string }[] = [];
  private readonly configListeners = new Set<(event: { affectsConfiguration(section: string): boolean }) => void>();

  constructor(readonly workspaceDir: string) {}

  /** Queues the user's next answer; `respond` sees the prompt and returns the choice. */
  answer(respond: (prompt: Prompt) => unknown): this {
    this.answers.push(respond);
    return this;
  }

  /** Picks the quick-pick item whose label contains `label`. */
  pick(label: string): this {
    return this.answer((prompt) => {
      assert.equal(prompt.kind, 'quickPick', `expected a quick pick for "${label}", got ${prompt.kind}`);
      const item = (prompt as { items: vscode.QuickPickItem[] }).items.find((each) => each.label.includes(label));
      assert.ok(item, `no quick-pick item "${label}" among: ${(prompt as { items: vscode.QuickPickItem[] }).items.map((each) => each.label).join(', ')}`);
      return item;
    });
  }

  /** Types `text` into the next input box; it must pass the box's validation. */
  type(text: string): this {
    return this.answer(async (prompt) => {
      assert.equal(prompt.kind, 'inputBox', `expected an input box for "${text}", got ${prompt.kind}`);
      const problem = await (prompt as { options: vscode.InputBoxOptions }).options.validateInput?.(text);
      assert.equal(problem ?? undefined, undefined, `the input box refused "${text}"`);
      return text;
    });
  }

  /** The validation message the next input box gives for each of `attempts`, then types `text`. */
  typeAfterRefusals(attempts: string[], text: string, refusals: (string | undefined)[]): this {
    return this.answer(async (prompt) => {
      const validate = (prompt as { options: vscode.InputBoxOptions }).options.validateInput;
      for (const attempt of attempts) {
        const result = await validate?.(attempt);
        refusals.push(typeof result === 'string' ? result : undefined);
      }
      return text;
    });
  }

  chooseFiles(...paths: string[]): this {
    return this.answer((prompt) => {
      assert.equal(prompt.kind, 'openDialog');
      return paths.map((path) => FakeUri.file(path));
    });
  }

  /** Answers the next modal dialog with `action`. */
  confirm(action: string): this {
    return this.answer((prompt) => {
      assert.equal(prompt.kind, 'modal');
      assert.ok((prompt as { actions: string[] }).actions.includes(action), `no "${action}" in the dialog`);
      return action;
    });
  }

  /** Clicks `action` on the next notification whose message matches `message`, when it is shown. */
  clickOnNotification(message: RegExp, action: string): this {
    this.notificationClicks.push({ message, action });
    return this;
  }

  /** Runs a registered command the way the editor would, and waits for it. */
  async run(id: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.commands.get(id);
    assert.ok(handler, `command ${id} is not registered`);
    return handler(...args);
  }

  assertAllAnswersUsed(): void {
    assert.equal(this.answers.length, 0, `${this.answers.length} scripted answer(s) were never asked for`);
    assert.equal(this.notificationClicks.length, 0, `${this.notificationClicks.length} scripted notification click(s) were never used`);
  }

  messages(level?: Shown['level']): string[] {
    return this.shown.filter((each) => !level || each.level === level).map((each) => each.message);
  }

  /** Writes a setting as the user would in settings.json, telling listeners like the editor does. */
  setConfig(key: string, value: unknown): void {
    this.config.set(key, value);
    for (const listener of this.configListeners) listener({ affectsConfiguration: (section) => `peerBackup.${key}`.startsWith(section) });
  }

  uri(path: string): FakeUri {
    return FakeUri.file(path);
  }

  context(storageDir: string, extensionDir: string): ExtensionContext & { subscriptions: { dispose(): unknown }[] } {
    const secrets = this.secrets;
    return {
      subscriptions: [],
      globalStorageUri: FakeUri.file(storageDir) as unknown as vscode.Uri,
      extensionUri: FakeUri.file(extensionDir) as unknown as vscode.Uri,
      extension: { packageJSON: { version: '0.0.0-test' } } as unknown as vscode.Extension<unknown>,
      secrets: {
        get: async (key: string) => secrets.get(key),
        store: async (key: string, value: string) => void secrets.set(key, value),
        delete: async (key: string) => void secrets.delete(key),
        keys: async () => [...secrets.keys()],
        onDidChange: () => ({ dispose() {} }),
      } as unknown as vscode.SecretStorage,
    };
  }

  /** The fake `vscode` module. */
  get api(): Vscode {
    const ask = async (prompt: Prompt) => {
      const respond = this.answers.shift();
      assert.ok(respond, `unexpected prompt: ${JSON.stringify(prompt, (key, value) => (key === 'validateInput' ? undefined : value))}`);
      return respond(prompt);
    };
    const show = (level: Shown['level']) => async (message: string, ...rest: unknown[]) => {
      const modal = typeof rest[0] === 'object' && rest[0] !== null && (rest[0] as { modal?: boolean }).modal;
      const actions = rest.filter((each): each is string => typeof each === 'string');
      if (modal) return ask({ kind: 'modal', message, actions });
      this.shown.push({ level, message, actions });
      const click = this.notificationClicks.findIndex((each) => each.message.test(message) && actions.includes(each.action));
      return click === -1 ? undefined : this.notificationClicks.splice(click, 1)[0].action;
    };
    const log = (level: string) => (message: string) => void this.logLines.push(`[${level}] ${message}`);
    const api = {
      Uri: FakeUri,
      ThemeColor: class {
        constructor(readonly id: string) {}
      },
      ThemeIcon: class {
        constructor(readonly id: string) {}
      },
      TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
      ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
      StatusBarAlignment: { Left: 1, Right: 2 },
      ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
      ViewColumn: { Active: -1, One: 1 },
      window: {
        showQuickPick: async (items: vscode.QuickPickItem[] | Promise<vscode.QuickPickItem[]>, options?: vscode.QuickPickOptions) =>
          ask({ kind: 'quickPick', items: await items, options }),
        showInputBox: async (options: vscode.InputBoxOptions) => ask({ kind: 'inputBox', options }),
        showOpenDialog: async (options: vscode.OpenDialogOptions) => ask({ kind: 'openDialog', options }),
        showInformationMessage: show('info'),
        showWarningMessage: show('warning'),
        showErrorMessage: show('error'),
        withProgress: async (options: vscode.ProgressOptions, task: (progress: unknown, token: unknown) => Promise<unknown>) => {
          const record = { title: options.title, messages: [] as string[] };
          this.progress.push(record);
          const listeners: (() => void)[] = [];
          const token = { isCancellationRequested: false, onCancellationRequested: (listener: () => void) => listeners.push(listener) };
          const progress = {
            report: ({ message }: { message?: string }) => {
              if (message) record.messages.push(message);
              if (this.cancelOnProgress && !token.isCancellationRequested) {
                token.isCancellationRequested = true;
                for (const listener of listeners) listener();
              }
            },
          };
          return task(progress, token);
        },
        createOutputChannel: () => ({
          info: log('info'),
          warn: log('warning'),
          error: log('error'),
          debug: log('debug'),
          trace: log('trace'),
          show: () => void this.logLines.push('(log shown)'),
          dispose() {},
        }),
        createStatusBarItem: () => {
          const item = { text: '', tooltip: undefined as unknown, backgroundColor: undefined as unknown, command: undefined as unknown, name: '', visible: false, show: () => (item.visible = true), dispose: () => (item.visible = false) };
          this.statusBarItems.push(item);
          return item;
        },
        createWebviewPanel: (viewType: string, title: string, _column: unknown, options: vscode.WebviewOptions) => this.newPanel(viewType, title, options),
        createTreeView: (id: string, options: { treeDataProvider: vscode.TreeDataProvider<unknown> }) => {
          this.treeViews.set(id, options.treeDataProvider);
          return { dispose: () => this.treeViews.delete(id) };
        },
        registerWebviewPanelSerializer: (viewType: string, serializer: vscode.WebviewPanelSerializer) => {
          this.serializers.set(viewType, serializer);
          return { dispose: () => this.serializers.delete(viewType) };
        },
      },
      commands: {
        registerCommand: (id: string, handler: (...args: unknown[]) => unknown) => {
          this.commands.set(id, handler);
          return { dispose: () => this.commands.delete(id) };
        },
        executeCommand: async (id: string, ...args: unknown[]) => {
          if (id.startsWith('vscode.')) return void this.builtInCommands.push({ id, args });
          if (id !== 'setContext') return this.run(id, ...args);
          this.contextValues.set(args[0] as string, args[1]);
          return undefined;
        },
      },
      workspace: {
        workspaceFolders: [{ uri: FakeUri.file(this.workspaceDir), name: 'workspace', index: 0 }],
        getWorkspaceFolder: (uri: FakeUri) => {
          const inside = relative(this.workspaceDir, uri.fsPath);
          return !inside.startsWith('..') && !isAbsolute(inside) ? { uri: FakeUri.file(this.workspaceDir), name: 'workspace', index: 0 } : undefined;
        },
        getConfiguration: (section: string) => ({
          get: <T>(key: string, fallback?: T) => (this.config.has(key) ? (this.config.get(key) as T) : fallback),
          update: async (key: string, value: unknown) => {
            assert.equal(section, 'peerBackup');
            this.setConfig(key, value);
          },
        }),
        onDidChangeConfiguration: (listener: (event: { affectsConfiguration(section: string): boolean }) => void) => {
          this.configListeners.add(listener);
          return { dispose: () => this.configListeners.delete(listener) };
        },
        registerTimelineProvider: (scheme: string | string[], provider: unknown) => {
          if (!this.allowTimelineApi) throw new Error('Extension \'peer-backup.peer-backup\' CANNOT use API proposal: timeline.');
          const entry = { scheme, provider };
          this.timelineProviders.push(entry);
          return { dispose: () => this.timelineProviders.splice(this.timelineProviders.indexOf(entry), 1) };
        },
      },
      env: {
        clipboard: {
          writeText: async (text: string) => void (this.clipboard = text),
          readText: async () => this.clipboard,
        },
      },
    };
    return api as unknown as Vscode;
  }

  /** Waits until `condition` holds (work the extension does in the background), failing after `timeoutMs`. */
  async waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** A panel as the editor makes one, before any extension code touched it (what a serializer receives). */
  newPanel(viewType: string, title: string, options: vscode.WebviewOptions): FakeWebviewPanel {
    const messageListeners: ((message: unknown) => unknown)[] = [];
    const disposeListeners: (() => void)[] = [];
    const panel = {
      viewType,
      title,
      iconPath: undefined as unknown,
      disposed: false,
      webview: {
        html: '',
        options,
        cspSource: 'https://webview.test',
        posted: [] as unknown[],
        onPosted: undefined as ((message: unknown) => void) | undefined,
        asWebviewUri: (uri: FakeUri) => new FakeUri('https', `/webview${uri.fsPath}`),
        postMessage: async (message: unknown) => {
          panel.webview.posted.push(message);
          panel.webview.onPosted?.(message);
          return true;
        },
        onDidReceiveMessage: (listener: (message: unknown) => unknown) => {
          messageListeners.push(listener);
          return { dispose() {} };
        },
        send: async (message: unknown) => {
          await Promise.all(messageListeners.map((listener) => listener(message)));
        },
      },
      reveal() {},
      onDidDispose: (listener: () => void) => {
        disposeListeners.push(listener);
        return { dispose() {} };
      },
      dispose() {
        panel.disposed = true;
        for (const listener of disposeListeners) listener();
      },
    };
    this.panels.push(panel);
    return panel;
  }
}

/** The extension activated in a FakeEditor over a temp workspace and global storage; deactivated when the test ends. */
export async function activateInFakeEditor(
  t: { after(fn: () => unknown): void },
  dirs: { workspaceDir: string; storageDir: string },
  configure: (editor: FakeEditor) => void = () => undefined,
): Promise<{ editor: FakeEditor; databaseFile: string }> {
  const editor = new FakeEditor(dirs.workspaceDir);
  configure(editor);
  const context = editor.context(dirs.storageDir, join(__dirname, '..', '..'));
  const log = editor.api.window.createOutputChannel('Peer Backup', { log: true }) as vscode.LogOutputChannel;
  const active = activateWith(editor.api, context, log);
  for (const [id, handler] of active.commands) editor.commands.set(id, handler as (...args: unknown[]) => unknown);
  editor.serializers.set('peerBackup.settings', active.serializer);
  t.after(async () => {
    await active.deactivate();
    for (const subscription of context.subscriptions) subscription.dispose();
  });
  return { editor, databaseFile: join(dirs.storageDir, 'peer-backup.db') };
}
