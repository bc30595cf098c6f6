/** "This machine": my peer ID with a copy button, and the registry URL. */
import type { PanelState } from '../../../src/vscode/panel/protocol';
import { h } from '../dom';
import type { Page } from '../page';

export function identitySection(page: Page, state: PanelState): HTMLElement {
  return h(
    'section',
    { id: 'identity', 'aria-labelledby': 'identity-heading' },
    h('h2', { id: 'identity-heading' }, 'This machine'),
    h(
      'div',
      { class: 'row' },
      h('span', { class: 'caption' }, 'My peer ID'),
      state.peerId ? h('code', { id: 'my-peer-id', class: 'peer-id' }, state.peerId) : h('span', { id: 'my-peer-id', class: 'error' }, state.identityProblem ?? 'not available'),
      page.button({
        id: 'copy-peer-id',
        label: 'Copy',
        ariaLabel: 'Copy my peer ID',
        secondary: true,
        onClick: () => void page.submit('copyPeerId', {}, { id: 'identity-form', fields: {}, done: 'Copied. Send it to a teammate so they can allow you to back up to them.' }),
      }),
    ),
    h(
      'div',
      { class: 'row' },
      page.textField({ id: 'registry-url', label: 'Registry URL', value: state.registryUrl, placeholder: 'http://127.0.0.1:7420' }),
      page.button({
        id: 'registry-url-save',
        label: 'Save',
        ariaLabel: 'Save the registry URL',
        onClick: () =>
          void page.submit('saveRegistryUrl', { registryUrl: page.value('registry-url', state.registryUrl) }, { id: 'identity-form', fields: { registryUrl: 'registry-url' }, done: 'Saved.' }),
      }),
    ),
    page.formMessages('identity-form'),
  );
}
