/**
 * The panel page: what it shows (the host's latest state), what the user has
 * typed but not saved (drafts) and the errors next to fields. All three are
 * kept with the webview's setState, so hiding the panel or reloading the
 * window loses neither the view nor unsaved edits.
 *
 * Each state from the host re-renders the page; inputs show their draft when
 * there is one, else the saved value, and focus returns to the same control.
 */
import type { PanelRequests, PanelState, RequestMethod } from '../../src/vscode/panel/protocol';
import { h, valueOf, type Child } from './dom';
import { RequestFailed, type PanelClient } from './rpc';

export interface SavedView {
  state: PanelState | undefined;
  drafts: Record<string, string>;
  errors: Record<string, string>;
  notices: Record<string, string>;
  scrollY: number;
  /** The ids of the sections the user (or opening at a target) collapsed. */
  collapsed: string[];
}

export interface WebviewStateApi {
  getState(): SavedView | undefined;
  setState(view: SavedView): void;
}

export type SectionsRenderer = (page: Page, state: PanelState) => Child[];

interface ControlOptions {
  id: string;
  /** The visible label; also the accessible name unless ariaLabel says more. */
  label: string;
  ariaLabel?: string;
}

const previewDelayMs = 300;

/**
 * The toolkit's text field, text area and checkbox overwrite aria-label with
 * their visible text when connected, losing the plan or teammate the name
 * carries; the name is kept aside too, and put back after each render.
 */
function accessibleName(options: ControlOptions): { 'aria-label': string; 'data-aria-label': string } {
  const name = options.ariaLabel ?? options.label;
  return { 'aria-label': name, 'data-aria-label': name };
}

function restoreAccessibleNames(root: HTMLElement): void {
  for (const element of root.querySelectorAll('[data-aria-label]')) element.setAttribute('aria-label', element.getAttribute('data-aria-label') ?? '');
}

export class Page {
  private readonly view: SavedView;
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly root: HTMLElement,
    private readonly api: WebviewStateApi,
    readonly client: PanelClient,
    private readonly renderSections: SectionsRenderer,
  ) {
    this.view = { state: undefined, drafts: {}, errors: {}, notices: {}, scrollY: 0, collapsed: [], ...api.getState() };
    window.addEventListener('scroll', () => this.debounce('scroll', 200, () => this.save({ scrollY: window.scrollY })));
  }

  /** Shows the state kept from before a reload at once; the host's fresh state follows. */
  restore(): void {
    if (!this.view.state) return;
    this.render();
    window.scrollTo(0, this.view.scrollY);
  }

  show(state: PanelState): void {
    this.save({ state });
    this.render();
  }

  /**
   * A top-level section whose heading opens and closes it. Whether it is
   * open is kept, so re-rendering on new state leaves it as the user left it.
   */
  section(id: string, heading: string, ...children: Child[]): HTMLElement {
    return h(
      'section',
      { id, 'aria-labelledby': `${id}-heading` },
      h(
        'details',
        {
          open: !this.view.collapsed.includes(id),
          on: { toggle: (event) => this.setCollapsed(id, !(event.target as HTMLDetailsElement).open) },
        },
        h('summary', { id: `${id}-toggle` }, h('h2', { id: `${id}-heading` }, heading)),
        ...children,
      ),
    );
  }

  /** Opens the section `id` alone, the others collapsed, as when the panel opens at a plan or teammate. */
  openOnly(id: string): void {
    const others = [...this.root.querySelectorAll('section[id]')].map((section) => section.id).filter((each) => each !== id);
    this.save({ collapsed: others });
    this.render();
  }

  /** Whether the user typed into `id` since it was last saved. */
  hasDraft(id: string): boolean {
    return id in this.view.drafts;
  }

  /** A draft the user typed, else the saved value. */
  value(id: string, saved: string): string {
    return this.view.drafts[id] ?? saved;
  }

  textField(options: ControlOptions & { value: string; placeholder?: string; onInput?: (value: string) => void }): HTMLElement {
    return this.field(
      options.id,
      h(
        'vscode-text-field',
        {
          id: options.id,
          value: this.value(options.id, options.value),
          placeholder: options.placeholder,
          ...accessibleName(options),
          'aria-invalid': this.view.errors[options.id] ? 'true' : undefined,
          on: { input: (event) => this.edited(options.id, valueOf(event.target), options.onInput) },
        },
        options.label,
      ),
    );
  }

  textArea(options: ControlOptions & { value: string; rows: number; placeholder?: string }): HTMLElement {
    return this.field(
      options.id,
      h(
        'vscode-text-area',
        {
          id: options.id,
          value: this.value(options.id, options.value),
          rows: options.rows,
          placeholder: options.placeholder,
          resize: 'vertical',
          ...accessibleName(options),
          on: { input: (event) => this.edited(options.id, valueOf(event.target)) },
        },
        options.label,
      ),
    );
  }

  dropdown(options: ControlOptions & { value: string; choices: [value: string, label: string][]; onChange?: (value: string) => void }): HTMLElement {
    const current = this.value(options.id, options.value);
    return this.field(
      options.id,
      h('label', { class: 'dropdown-label', for: options.id }, options.label),
      h(
        'vscode-dropdown',
        {
          id: options.id,
          // FAST selects by the `value` attribute; `selected` on the option covers the first paint.
          value: current,
          'aria-label': options.ariaLabel ?? options.label,
          on: { change: (event) => this.edited(options.id, valueOf(event.target), options.onChange) },
        },
        ...options.choices.map(([value, label]) => h('vscode-option', { value, selected: value === current }, label)),
      ),
    );
  }

  checkbox(options: ControlOptions & { checked: boolean; onChange: (checked: boolean) => void }): HTMLElement {
    return this.field(
      options.id,
      h(
        'vscode-checkbox',
        {
          id: options.id,
          checked: options.checked,
          ...accessibleName(options),
          on: { change: (event) => options.onChange((event.target as HTMLInputElement).checked) },
        },
        options.label,
      ),
    );
  }

  button(options: ControlOptions & { secondary?: boolean; onClick: () => void }): HTMLElement {
    return h(
      'vscode-button',
      { id: options.id, appearance: options.secondary ? 'secondary' : 'primary', 'aria-label': options.ariaLabel ?? options.label, on: { click: () => options.onClick() } },
      options.label,
    );
  }

  /** The line under a form for errors that belong to no single field, and for confirmations. */
  formMessages(id: string): HTMLElement {
    return h(
      'div',
      { class: 'form-messages' },
      h('div', { id: `${id}-error`, class: 'error', role: 'alert' }, this.view.errors[id] ?? ''),
      h('div', { id: `${id}-notice`, class: 'notice', role: 'status' }, this.view.notices[id] ?? ''),
    );
  }

  /**
   * Sends a request built from the form's fields (param name -> input id).
   * On success the fields' drafts are dropped (the new state shows what was
   * saved); on failure each field's message goes next to its input, and the
   * rest under the form.
   */
  async submit<M extends RequestMethod>(
    method: M,
    params: PanelRequests[M]['params'],
    form: { id: string; fields: Record<string, string>; done?: string },
  ): Promise<PanelRequests[M]['result'] | undefined> {
    const inputs = Object.values(form.fields);
    for (const id of [form.id, ...inputs]) this.setError(id, undefined);
    this.setNotice(form.id, undefined);
    try {
      const result = await this.client.request(method, params);
      const drafts = { ...this.view.drafts };
      for (const id of inputs) delete drafts[id];
      this.save({ drafts });
      if (form.done) this.setNotice(form.id, form.done);
      return result;
    } catch (err) {
      const failure = err instanceof RequestFailed ? err : new RequestFailed(String(err), {});
      let placed = false;
      for (const [param, id] of Object.entries(form.fields)) {
        const message = failure.fieldErrors[param];
        if (message) {
          this.setError(id, message);
          placed = true;
        }
      }
      if (!placed) this.setError(form.id, failure.message);
      return undefined;
    }
  }

  /** Shows `text` in the element `id` (a preview beside a field), without re-rendering the page. */
  setText(id: string, text: string): void {
    const element = document.getElementById(id);
    if (element) element.textContent = text;
  }

  setError(id: string, message: string | undefined): void {
    this.setMessage('errors', id, message);
    document.getElementById(id)?.setAttribute('aria-invalid', message ? 'true' : 'false');
  }

  debounce(key: string, delayMs: number, action: () => void): void {
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(action, delayMs));
  }

  /** Runs `action` previewDelayMs after the last keystroke. */
  afterTyping(id: string, action: () => void): void {
    this.debounce(`typing:${id}`, previewDelayMs, action);
  }

  private setCollapsed(id: string, collapsed: boolean): void {
    const others = this.view.collapsed.filter((each) => each !== id);
    this.save({ collapsed: collapsed ? [...others, id] : others });
  }

  private setNotice(id: string, message: string | undefined): void {
    this.setMessage('notices', id, message);
  }

  private setMessage(kind: 'errors' | 'notices', id: string, message: string | undefined): void {
    const messages = { ...this.view[kind] };
    if (message) messages[id] = message;
    else delete messages[id];
    this.save({ [kind]: messages });
    this.setText(`${id}-${kind === 'errors' ? 'error' : 'notice'}`, message ?? '');
  }

  private field(id: string, ...controls: Child[]): HTMLElement {
    return h('div', { class: 'field' }, ...controls, h('div', { id: `${id}-error`, class: 'error', role: 'alert' }, this.view.errors[id] ?? ''));
  }

  private edited(id: string, value: string, then?: (value: string) => void): void {
    this.save({ drafts: { ...this.view.drafts, [id]: value } });
    then?.(value);
  }

  private render(): void {
    if (!this.view.state) return;
    const focused = document.activeElement?.id;
    this.root.replaceChildren(...this.renderSections(this, this.view.state).filter((child): child is Node | string => Boolean(child)));
    restoreAccessibleNames(this.root);
    if (focused) document.getElementById(focused)?.focus();
  }

  private save(changes: Partial<SavedView>): void {
    Object.assign(this.view, changes);
    this.api.setState(this.view);
  }
}
