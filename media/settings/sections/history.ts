/** Run history: status, size, duration and the error text, newest first. */
import type { PanelState } from '../../../src/vscode/panel/protocol';
import { h } from '../dom';
import type { Page } from '../page';

export function historySection(page: Page, state: PanelState): HTMLElement {
  return page.section(
    'history',
    'Run history',
    state.history.length === 0
      ? h('p', { class: 'hint' }, 'No backups have run yet.')
      : h(
          'table',
          { id: 'history-table' },
          h('thead', {}, h('tr', {}, ...['Status', 'Plan', 'Started', 'Size', 'Files', 'Duration', 'Error'].map((title) => h('th', { scope: 'col' }, title)))),
          h(
            'tbody',
            {},
            ...state.history.map((run) =>
              h(
                'tr',
                { id: `run-${run.id}` },
                h('td', {}, h('span', { class: `run-status ${run.status}` }, run.status)),
                h('td', {}, run.plan),
                h('td', {}, run.startedAt),
                h('td', {}, run.size),
                h('td', {}, String(run.files)),
                h('td', {}, run.duration),
                h('td', { class: 'run-error' }, run.error ?? ''),
              ),
            ),
          ),
        ),
  );
}
