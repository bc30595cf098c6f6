/** Teammates this machine backs up to: name, peer ID, online or not (per the registry), last successful backup. */
import type { PanelState } from '../../../src/vscode/panel/protocol';
import { h } from '../dom';
import type { Page } from '../page';

const reachabilityText = { online: 'online', offline: 'offline', unknown: 'unknown' } as const;

export function teammatesSection(page: Page, state: PanelState): HTMLElement {
  return page.section(
    'teammates',
    'Teammates I back up to',
    state.teammates.length === 0
      ? h('p', { class: 'hint' }, 'No teammates yet. Ask one for their peer ID ("Peer Backup: Copy My Peer ID") and add them below.')
      : h(
          'table',
          { id: 'teammates-table' },
          h('thead', {}, h('tr', {}, ...['Name', 'Peer ID', 'Status', 'Last backup', ''].map((title) => h('th', { scope: 'col' }, title)))),
          h(
            'tbody',
            {},
            ...state.teammates.map((teammate) =>
              h(
                'tr',
                // Focusable from script only: the panel opens at this row from the Teammates view.
                { id: `teammate-${teammate.peerId}`, 'data-teammate': teammate.label, tabindex: -1 },
                h('td', {}, teammate.label),
                h('td', {}, h('code', { class: 'peer-id' }, teammate.peerId)),
                h(
                  'td',
                  { title: teammate.reachabilityDetail ?? '' },
                  h('span', { class: `reachability ${teammate.reachability}` }, reachabilityText[teammate.reachability]),
                  teammate.reachability === 'unknown' && teammate.reachabilityDetail ? h('div', { class: 'hint' }, teammate.reachabilityDetail) : null,
                ),
                h('td', {}, teammate.lastBackup ?? 'never'),
                h(
                  'td',
                  {},
                  page.button({
                    id: `teammate-${teammate.peerId}-remove`,
                    label: 'Remove',
                    ariaLabel: `Remove teammate ${teammate.label}`,
                    secondary: true,
                    onClick: () => void page.submit('removeTeammate', { peerId: teammate.peerId }, { id: 'teammate-form', fields: {} }),
                  }),
                ),
              ),
            ),
          ),
        ),
    h(
      'div',
      { class: 'row' },
      page.textField({ id: 'teammate-label', label: 'Name', ariaLabel: "New teammate's name", value: '', placeholder: 'e.g. alice' }),
      page.textField({ id: 'teammate-peer-id', label: 'Peer ID', ariaLabel: "New teammate's peer ID", value: '', placeholder: 'ABCDEF-GHIJKL-MNOPQR-STUVWX-YZ2345-67ABCD' }),
      page.button({
        id: 'teammate-add',
        label: 'Add Teammate',
        onClick: () =>
          void page.submit(
            'addTeammate',
            { label: page.value('teammate-label', ''), peerId: page.value('teammate-peer-id', '') },
            { id: 'teammate-form', fields: { label: 'teammate-label', peerId: 'teammate-peer-id' } },
          ),
      }),
    ),
    page.formMessages('teammate-form'),
  );
}

/** Scrolls to the teammate's row and focuses it. */
export function revealTeammate(peerId: string): void {
  const row = document.getElementById(`teammate-${peerId}`);
  row?.scrollIntoView({ block: 'center' });
  row?.focus();
}
