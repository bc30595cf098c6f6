/** Receiving here: on/off, port, storage folder, and who may store here, with quota and space used. */
import type { PanelState } from '../../../src/vscode/panel/protocol';
import { h } from '../dom';
import type { Page } from '../page';

export function receivingSection(page: Page, state: PanelState): HTMLElement {
  const receiving = state.receiving;
  return page.section(
    'receiving',
    'Receiving here',
    page.checkbox({
      id: 'receiver-enabled',
      label: "Receive teammates' backups on this machine",
      checked: receiving.enabled,
      onChange: (enabled) => void page.submit('setReceiving', { enabled }, { id: 'receiver-form', fields: {} }),
    }),
    h('p', { id: 'receiver-status', class: `status ${receiving.state}`, role: 'status' }, receiving.detail),
    ...reachLines(receiving),
    h(
      'div',
      { class: 'row' },
      page.textField({ id: 'receiver-port', label: 'Port', ariaLabel: 'Receiver port', value: String(receiving.port) }),
      page.textField({
        id: 'receiver-storage',
        label: 'Storage folder',
        ariaLabel: "Folder for teammates' backups (empty: the default)",
        value: receiving.storageFolder,
        placeholder: receiving.storageDir,
      }),
      page.button({ id: 'receiver-storage-choose', label: 'Choose...', ariaLabel: 'Choose the storage folder', secondary: true, onClick: () => void page.submit('chooseStorageFolder', {}, { id: 'receiver-form', fields: {} }) }),
      page.button({
        id: 'receiver-save',
        label: 'Save',
        ariaLabel: 'Save the receiver port and storage folder',
        onClick: () =>
          void page.submit(
            'saveReceiver',
            { port: page.value('receiver-port', String(receiving.port)), storageFolder: page.value('receiver-storage', receiving.storageFolder) },
            { id: 'receiver-form', fields: { port: 'receiver-port', storageFolder: 'receiver-storage' }, done: 'Saved.' },
          ),
      }),
    ),
    page.formMessages('receiver-form'),

    h('h3', {}, 'Teammates allowed to back up here'),
    receiving.allowed.length === 0
      ? h('p', { class: 'hint' }, 'Nobody yet. Allow a teammate by their peer ID, with the space they may use.')
      : h(
          'table',
          { id: 'allowed-table' },
          h('thead', {}, h('tr', {}, ...['Name', 'Peer ID', 'Space used', ''].map((title) => h('th', { scope: 'col' }, title)))),
          h(
            'tbody',
            {},
            ...receiving.allowed.map((sender) =>
              h(
                'tr',
                { id: `allowed-${sender.peerId}` },
                h('td', {}, sender.label ?? ''),
                h('td', {}, h('code', { class: 'peer-id' }, sender.peerId)),
                h(
                  'td',
                  {},
                  `${sender.used} of ${sender.quota}`,
                  h(
                    'div',
                    {
                      class: 'meter',
                      role: 'progressbar',
                      'aria-label': `Space used by ${sender.label ?? sender.peerId}`,
                      'aria-valuemin': 0,
                      'aria-valuemax': 100,
                      'aria-valuenow': sender.usedPercent,
                    },
                    meterFill(sender.usedPercent),
                  ),
                ),
                h(
                  'td',
                  {},
                  page.button({
                    id: `allowed-${sender.peerId}-remove`,
                    label: 'Stop Allowing',
                    ariaLabel: `Stop allowing ${sender.label ?? sender.peerId} to back up here`,
                    secondary: true,
                    onClick: () => void page.submit('denySender', { peerId: sender.peerId }, { id: 'allow-form', fields: {} }),
                  }),
                ),
              ),
            ),
          ),
        ),
    h(
      'div',
      { class: 'row' },
      page.textField({ id: 'allow-peer-id', label: 'Peer ID', ariaLabel: 'Peer ID of the teammate to allow', value: '', placeholder: 'ABCDEF-GHIJKL-MNOPQR-STUVWX-YZ2345-67ABCD' }),
      page.textField({ id: 'allow-label', label: 'Name (optional)', ariaLabel: 'Name of the teammate to allow', value: '' }),
      page.textField({ id: 'allow-quota', label: 'Quota', ariaLabel: 'Space the teammate may use, e.g. 10GB', value: '10GB' }),
      page.button({
        id: 'allow-add',
        label: 'Allow',
        ariaLabel: 'Allow this teammate to back up here',
        onClick: () =>
          void page.submit(
            'allowSender',
            { peerId: page.value('allow-peer-id', ''), label: page.value('allow-label', ''), quota: page.value('allow-quota', '10GB') },
            { id: 'allow-form', fields: { peerId: 'allow-peer-id', quota: 'allow-quota', label: 'allow-label' } },
          ),
      }),
    ),
    page.formMessages('allow-form'),
  );
}

/** Whether teammates outside can reach this machine, and what the router did with the port, once known. */
function reachLines(receiving: PanelState['receiving']): HTMLElement[] {
  const lines: HTMLElement[] = [];
  if (receiving.reach !== undefined) {
    const shown = receiving.reachable === true ? 'on' : receiving.reachable === false ? 'waiting' : 'off';
    lines.push(h('p', { id: 'receiver-reach', class: `status ${shown}`, role: 'status' }, receiving.reach));
  }
  if (receiving.portMapping !== undefined) lines.push(h('p', { id: 'receiver-port-mapping', class: 'hint' }, receiving.portMapping));
  return lines;
}

/** The bar's width is set through the CSSOM: the CSP forbids style attributes, not scripted styles. */
function meterFill(percent: number): HTMLElement {
  const fill = h('div', { class: 'meter-fill' });
  fill.style.width = `${percent}%`;
  return fill;
}

/** Scrolls to the receiving section and focuses its on/off switch. */
export function revealReceiving(): void {
  document.getElementById('receiving')?.scrollIntoView({ block: 'start' });
  document.getElementById('receiver-enabled')?.focus();
}
