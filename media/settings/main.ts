/**
 * The settings panel's script (bundled to media/dist/settings.js). It shows
 * the state kept from before a reload at once, says `ready`, and re-renders
 * whenever the host sends new state.
 */
import type { PanelState, RevealTarget, ToWebview } from '../../src/vscode/panel/protocol';
import { h, type Child } from './dom';
import { Page, type SavedView } from './page';
import { PanelClient } from './rpc';
import { historySection } from './sections/history';
import { identitySection, registryBanner } from './sections/identity';
import { plansSection, revealPlan } from './sections/plans';
import { receivingSection, revealReceiving } from './sections/receiving';
import { forgetTeammateFigures, revealTeammate, teammatesSection } from './sections/teammates';
import { registerToolkit } from './toolkit';

declare function acquireVsCodeApi(): {
  postMessage(message: unknown): void;
  getState(): SavedView | undefined;
  setState(state: SavedView): void;
};

function sections(page: Page, state: PanelState): Child[] {
  return [
    h(
      'header',
      {},
      h('h1', {}, 'Peer Backup'),
      h('span', { class: 'hint', id: 'gathered-at' }, `as of ${state.gatheredAt}`),
      page.button({ id: 'refresh', label: 'Refresh', ariaLabel: 'Refresh the panel', secondary: true, onClick: () => {
        forgetTeammateFigures();
        void page.submit('refresh', {}, { id: 'refresh-form', fields: {} });
      } }),
    ),
    page.formMessages('refresh-form'),
    registryBanner(page, state),
    plansSection(page, state),
    h('vscode-divider', { role: 'separator' }),
    teammatesSection(page, state),
    h('vscode-divider', { role: 'separator' }),
    receivingSection(page, state),
    h('vscode-divider', { role: 'separator' }),
    identitySection(page, state),
    h('vscode-divider', { role: 'separator' }),
    historySection(page, state),
  ];
}

/** Opens the page at a plan, a teammate or the receiving section, the other sections collapsed. */
function reveal(target: RevealTarget): void {
  if ('plan' in target) {
    page.openOnly('plans');
    revealPlan(target.plan);
  } else if ('teammate' in target) {
    page.openOnly('teammates');
    revealTeammate(target.teammate);
  } else {
    page.openOnly('receiving');
    revealReceiving();
  }
}

registerToolkit();
const vscode = acquireVsCodeApi();
const client = new PanelClient(
  (message) => vscode.postMessage(message),
  (state) => page.show(state),
  (target) => reveal(target),
);
const page = new Page(document.getElementById('app')!, vscode, client, sections);
window.addEventListener('message', (event: MessageEvent<ToWebview>) => client.receive(event.data));
page.restore();
client.ready();
