/**
 * Teammates this machine backs up to: name, peer ID, online or not (per the
 * registry), last successful backup, and what they hold for this machine.
 * Those figures come from the teammate itself, so each row asks for them
 * after the table shows, and fills its cell when the answer comes: a slow
 * or unreachable teammate holds up only its own cell.
 */
import type { PanelState, TeammateFiguresView, TeammateView } from '../../../src/vscode/panel/protocol';
import { h } from '../dom';
import type { Page } from '../page';

/** Figures asked for, by peer ID and the last backup they were asked after: a new backup asks again. */
const figuresAsked = new Map<string, { after: string; answer: Promise<TeammateFiguresView | string> }>();

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
          h('thead', {}, h('tr', {}, ...['Name', 'Peer ID', 'Status', 'Last backup', 'Held for me', ''].map((title) => h('th', { scope: 'col' }, title)))),
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
                figuresCell(page, teammate),
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

/** Makes the next render ask every teammate again (the panel's Refresh). */
export function forgetTeammateFigures(): void {
  figuresAsked.clear();
}

/** The cell of the teammate's figures: "asking..." until the teammate's answer fills it in. */
function figuresCell(page: Page, teammate: TeammateView): HTMLElement {
  const id = `teammate-${teammate.peerId}-figures`;
  const after = teammate.lastBackup ?? '';
  let asked = figuresAsked.get(teammate.peerId);
  if (!asked || asked.after !== after) {
    const answer = page.client.request('teammateFigures', { peerId: teammate.peerId }).catch((err: unknown) => (err as Error).message);
    asked = { after, answer };
    figuresAsked.set(teammate.peerId, asked);
  }
  const cell = h('td', { id, 'aria-live': 'polite' }, h('span', { class: 'hint' }, 'asking the teammate...'));
  // Whichever render's cell is in the page when the answer comes gets it.
  void asked.answer.then((figures) => document.getElementById(id)?.replaceChildren(...figureLines(figures)));
  return cell;
}

function figureLines(figures: TeammateFiguresView | string): HTMLElement[] {
  if (typeof figures === 'string') return [h('div', { class: 'error' }, figures)];
  const verify = h('div', { class: 'figure-verify' }, `Last verify: ${figures.lastVerify}`);
  if (!figures.reachable) return [h('div', { class: 'figure-problem' }, figures.problem ?? 'not reachable now'), verify];
  return [h('div', { class: 'figure-stored' }, figures.stored ?? ''), h('div', { class: 'figure-snapshots' }, figures.snapshots ?? ''), verify];
}

/** Scrolls to the teammate's row and focuses it. */
export function revealTeammate(peerId: string): void {
  const row = document.getElementById(`teammate-${peerId}`);
  row?.scrollIntoView({ block: 'center' });
  row?.focus();
}
