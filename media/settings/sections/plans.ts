/** Backup plans: designated paths, teammate, schedule (presets or cron, next runs previewed), excludes, enabled, Run now. */
import type { PanelState, PlanView } from '../../../src/vscode/panel/protocol';
import { h } from '../dom';
import type { Page } from '../page';

export function plansSection(page: Page, state: PanelState): HTMLElement {
  return page.section(
    'plans',
    'Backup plans',
    state.plans.length === 0 ? h('p', { class: 'hint' }, 'No plans yet. Create one below, or right-click files in the Explorer and choose "Add to Backup Plan...".') : null,
    ...state.plans.map((plan) => planCard(page, state, plan)),
    h(
      'div',
      { class: 'row new-plan' },
      page.textField({ id: 'new-plan-name', label: 'New plan', ariaLabel: 'Name of the new plan', value: '', placeholder: 'e.g. nightly' }),
      page.button({
        id: 'new-plan-create',
        label: 'Create Plan',
        onClick: () => void page.submit('createPlan', { name: page.value('new-plan-name', '') }, { id: 'new-plan-form', fields: { name: 'new-plan-name' } }),
      }),
    ),
    page.formMessages('new-plan-form'),
  );
}

function planCard(page: Page, state: PanelState, plan: PlanView): HTMLElement {
  const id = (part: string) => `plan-${plan.id}-${part}`;
  const formId = id('form');
  const known = state.teammates.some((teammate) => teammate.peerId === plan.destination);
  const teammateChoices: [string, string][] = [
    ['', 'No teammate yet'],
    ...state.teammates.map((teammate): [string, string] => [teammate.peerId, `${teammate.label} (${teammate.peerId.slice(0, 6)}...)`]),
    ...(plan.destination && !known ? [[plan.destination, plan.destination] as [string, string]] : []),
  ];
  const scheduleValue = page.value(id('schedule'), plan.schedule);
  const unsaved = (schedule: string) => page.hasDraft(id('schedule')) && schedule.trim() !== plan.schedule;
  // The preview describes what is in the field, saved or not, and says which.
  const previewSchedule = (schedule: string) =>
    page.afterTyping(id('schedule'), async () => {
      try {
        const preview = await page.client.request('previewSchedule', { schedule });
        page.setError(id('schedule'), undefined);
        page.setText(id('schedule-preview'), describePreview(preview.summary, preview.nextRuns, unsaved(schedule)));
      } catch (err) {
        page.setError(id('schedule'), (err as Error).message);
        page.setText(id('schedule-preview'), unsaved(schedule) ? 'Not saved.' : '');
      }
    });
  // A draft kept from before a re-render is described afresh, not as the saved schedule.
  if (unsaved(scheduleValue)) previewSchedule(scheduleValue);

  return h(
    'article',
    { id: `plan-${plan.id}`, class: 'card', 'data-plan': plan.name, 'aria-labelledby': id('heading') },
    h(
      'h3',
      { id: id('heading') },
      plan.name,
      plan.running ? h('vscode-tag', { class: 'badge' }, 'running') : null,
      plan.enabled ? null : h('vscode-tag', { class: 'badge' }, 'disabled'),
    ),
    h('p', { class: 'hint', id: id('last-run') }, plan.lastRun ? `Last run: ${plan.lastRun}` : 'Never run yet.'),
    page.checkbox({
      id: id('enabled'),
      label: 'Enabled (runs on its schedule)',
      ariaLabel: `Enabled: plan ${plan.name}`,
      checked: plan.enabled,
      onChange: (enabled) => void page.submit('setPlanEnabled', { plan: plan.name, enabled }, { id: formId, fields: {} }),
    }),

    h('h4', {}, 'Files and folders'),
    plan.items.length === 0
      ? h('p', { class: 'hint' }, 'Nothing designated yet.')
      : h(
          'ul',
          { class: 'paths', 'aria-label': `Files and folders in plan ${plan.name}` },
          ...plan.items.map((item, index) =>
            h(
              'li',
              {},
              h('span', { class: 'archive-path' }, item.archivePath),
              h('span', { class: 'source-path', title: item.sourcePath }, item.sourcePath),
              page.button({
                id: id(`remove-path-${index}`),
                label: 'Remove',
                ariaLabel: `Remove ${item.sourcePath} from plan ${plan.name}`,
                secondary: true,
                onClick: () => void page.submit('removePath', { plan: plan.name, sourcePath: item.sourcePath }, { id: formId, fields: {} }),
              }),
            ),
          ),
        ),
    h(
      'div',
      { class: 'row' },
      page.button({ id: id('add-files'), label: 'Add Files...', ariaLabel: `Add files to plan ${plan.name}`, secondary: true, onClick: () => void addPaths(page, plan, 'files') }),
      page.button({ id: id('add-folders'), label: 'Add Folders...', ariaLabel: `Add folders to plan ${plan.name}`, secondary: true, onClick: () => void addPaths(page, plan, 'folders') }),
    ),

    h('h4', {}, 'Where and when'),
    page.dropdown({ id: id('destination'), label: 'Teammate', ariaLabel: `Teammate for plan ${plan.name}`, value: plan.destination ?? '', choices: teammateChoices }),
    h(
      'div',
      { class: 'row' },
      page.dropdown({
        id: id('schedule-preset'),
        label: 'Preset',
        ariaLabel: `Schedule preset for plan ${plan.name}`,
        value: state.schedulePresets.includes(scheduleValue) ? scheduleValue : '',
        choices: [['', 'Custom'], ...state.schedulePresets.map((preset): [string, string] => [preset, preset])],
        onChange: (preset) => {
          if (!preset) return;
          const field = document.getElementById(id('schedule')) as HTMLInputElement | null;
          if (field) field.value = preset;
          page.setText(id('schedule-preview'), '');
          field?.dispatchEvent(new Event('input'));
        },
      }),
      page.textField({
        id: id('schedule'),
        label: 'Schedule',
        ariaLabel: `Schedule for plan ${plan.name}: a preset, "every N minutes" or a cron expression`,
        value: plan.schedule,
        placeholder: 'daily 02:00, every 30 minutes, 30 2 * * 1-5',
        onInput: previewSchedule,
      }),
    ),
    h('p', { class: 'hint', id: id('schedule-preview'), 'aria-live': 'polite' }, unsaved(scheduleValue) ? 'Checking the schedule... (not saved)' : describePreview(plan.scheduleSummary, plan.nextRuns, false)),
    page.textArea({
      id: id('excludes'),
      label: 'Excludes (one gitignore pattern per line)',
      ariaLabel: `Excludes for plan ${plan.name}, one pattern per line`,
      value: plan.excludes.join('\n'),
      rows: Math.max(2, plan.excludes.length + 1),
      placeholder: 'node_modules/',
    }),
    h(
      'div',
      { class: 'row actions' },
      page.button({
        id: id('save'),
        label: 'Save',
        ariaLabel: `Save plan ${plan.name}`,
        onClick: () =>
          void page.submit(
            'savePlan',
            {
              plan: plan.name,
              destination: page.value(id('destination'), plan.destination ?? ''),
              schedule: page.value(id('schedule'), plan.schedule),
              excludes: page.value(id('excludes'), plan.excludes.join('\n')),
            },
            { id: formId, fields: { destination: id('destination'), schedule: id('schedule'), excludes: id('excludes') }, done: 'Saved.' },
          ),
      }),
      page.button({
        id: id('run'),
        label: 'Run Now',
        ariaLabel: `Run plan ${plan.name} now`,
        secondary: true,
        onClick: () => void page.submit('runPlan', { plan: plan.name }, { id: formId, fields: {}, done: 'Started: progress shows in a notification.' }),
      }),
      page.button({
        id: id('delete'),
        label: 'Delete Plan...',
        ariaLabel: `Delete plan ${plan.name}`,
        secondary: true,
        onClick: () => void page.submit('removePlan', { plan: plan.name }, { id: formId, fields: {} }),
      }),
    ),
    page.formMessages(formId),
  );
}

async function addPaths(page: Page, plan: PlanView, kind: 'files' | 'folders'): Promise<void> {
  const result = await page.submit('addPaths', { plan: plan.name, kind }, { id: `plan-${plan.id}-form`, fields: {} });
  if (result?.notes.length) page.setText(`plan-${plan.id}-form-notice`, result.notes.join('; '));
}

function describePreview(summary: string, nextRuns: string[], unsaved: boolean): string {
  const described = nextRuns.length ? `${summary}. Next: ${nextRuns.join(', ')}` : summary;
  return unsaved ? `${described} (not saved)` : described;
}

/** Scrolls to the plan's card and puts the focus in its schedule field. */
export function revealPlan(planName: string): void {
  const card = [...document.querySelectorAll('article.card')].find((element) => element.getAttribute('data-plan') === planName);
  card?.scrollIntoView({ block: 'start' });
  (card?.querySelector('[id$="-schedule"]') as HTMLElement | null)?.focus();
}
