import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type * as vscode from 'vscode';
import { generateIdentity } from '../../src/core/identity/keys';
import { BackupRunner } from '../../src/vscode/run-with-progress';
import { Services } from '../../src/vscode/services';
import { FakeEditor } from '../helpers/fake-vscode';
import { startTestRegistry } from '../helpers/registry';
import { tempDir } from '../helpers/temp';

test('a scheduled run tries once, shows in the status bar progress, and tells the scheduler whether waiting can help', async (t) => {
  const registry = await startTestRegistry(t);
  const editor = new FakeEditor(tempDir(t));
  editor.config.set('registryUrl', registry.url);
  const services = new Services(editor.api, editor.context(tempDir(t), tempDir(t)), editor.api.window.createOutputChannel('Peer Backup', { log: true }) as vscode.LogOutputChannel);
  t.after(() => services.close());
  const app = services.app();
  const folder = join(tempDir(t), 'notes');
  mkdirSync(folder);
  writeFileSync(join(folder, 'todo.md'), 'x');
  const plan = { paths: [folder], base: tempDir(t), schedule: 'hourly', excludes: [] };
  await app.plans.create({ name: 'away', destination: generateIdentity().peerId, ...plan });
  await app.plans.create({ name: 'nowhere', ...plan });
  const runner = new BackupRunner(services);
  const present = runner.presentScheduled.bind(runner);

  const away = await app.runs.runScheduled('away', new AbortController().signal, present);
  assert.equal(away.status, 'failed');
  assert.equal(away.retryable, true, 'an unregistered teammate may come online: the scheduler retries');
  assert.match(away.error ?? '', /is not registered at/);
  assert.equal((await app.runs.history()).length, 1, 'one attempt: the scheduler, not the runner, does the waiting');

  const nowhere = await app.runs.runScheduled('nowhere', new AbortController().signal, present);
  assert.equal(nowhere.retryable, false, 'a plan without a teammate needs a person');
  assert.deepEqual(
    editor.progress.map((each) => each.title),
    ['Peer Backup: away', 'Peer Backup: nowhere'],
  );
  assert.deepEqual(editor.shown, [], 'the scheduler, not the runner, reports scheduled outcomes');
});
