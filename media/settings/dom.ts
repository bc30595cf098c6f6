/** Building DOM without a framework: h() makes an element with attributes, listeners and children. */

export type Child = Node | string | null | undefined | false;

export interface Attributes {
  [name: string]: string | number | boolean | undefined | EventListener | Record<string, EventListener>;
}

/**
 * `h('vscode-button', { id: 'save', 'aria-label': 'Save', on: { click } }, 'Save')`.
 * `true` sets an empty attribute, `false`/undefined leaves it out.
 */
export function h(tag: string, attributes: Attributes = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'on') {
      for (const [event, listener] of Object.entries(value as Record<string, EventListener>)) element.addEventListener(event, listener);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else if (value !== false && value !== undefined) {
      element.setAttribute(name, String(value));
    }
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}

/** The value of a toolkit text field, text area or dropdown, or of a native input. */
export function valueOf(element: EventTarget | null): string {
  return (element as HTMLInputElement | null)?.value ?? '';
}
