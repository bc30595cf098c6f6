/** "This machine": my peer ID with a copy button, the registry URL, and hosting a registry here; a banner when the registry cannot be used. */
import type { PanelState } from '../../../src/vscode/panel/protocol';
import { h } from '../dom';
import type { Page } from '../page';

export function identitySection(page: Page, state: PanelState): HTMLElement {
  return page.section(
    'identity',
    'This machine',
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
    state.hostedRegistryUrl
      ? h(
          'div',
          { class: 'row' },
          h('span', { id: 'hosted-registry', role: 'status' }, 'This machine hosts the registry. Teammates use ', h('code', {}, state.hostedRegistryUrl)),
          page.button({
            id: 'registry-stop-hosting',
            label: 'Stop Hosting',
            ariaLabel: 'Stop hosting the registry on this machine',
            secondary: true,
            onClick: () => void page.submit('stopHostingRegistry', {}, { id: 'identity-form', fields: {} }),
          }),
        )
      : h(
          'div',
          { class: 'row' },
          h('span', { class: 'hint' }, 'No registry yet? One teammate can host it.'),
          page.button({
            id: 'registry-host',
            label: 'Host a Registry Here',
            ariaLabel: 'Host a registry on this machine',
            secondary: true,
            onClick: () => void page.submit('hostRegistry', {}, { id: 'identity-form', fields: {} }),
          }),
        ),
  );
}

/** Above everything: the registry cannot be used, so no backup can find its teammate; the buttons fix the setting. */
export function registryBanner(page: Page, state: PanelState): HTMLElement | null {
  if (!state.registryProblem) return null;
  return h(
    'div',
    { id: 'registry-problem', class: 'banner', role: 'alert' },
    h('p', {}, state.registryProblem),
    h(
      'div',
      { class: 'row' },
      page.button({
        id: 'registry-problem-change',
        label: 'Change Registry URL',
        ariaLabel: 'Change the registry URL',
        onClick: () => {
          document.getElementById('registry-url')?.scrollIntoView({ block: 'center' });
          document.getElementById('registry-url')?.focus();
        },
      }),
      page.button({
        id: 'registry-problem-host',
        label: 'Host a Registry Here',
        ariaLabel: 'Host a registry on this machine instead',
        secondary: true,
        onClick: () => void page.submit('hostRegistry', {}, { id: 'identity-form', fields: {} }),
      }),
    ),
  );
}
