/**
 * What the extension manifest (package.json) must get right, checked against
 * the code rather than copied: commands match their handlers, commands that
 * need an Explorer item stay out of the palette, and the settings' defaults
 * are the core's.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultExcludes, defaultReceiverPort, defaultRegistryUrl } from '../../src/core/defaults';
import { extensionId, walkthroughId } from '../../src/vscode/commands/walkthrough';
import { contextKeys } from '../../src/vscode/context-keys';
import { activateInFakeEditor } from '../helpers/fake-vscode';
import { tempDir } from '../helpers/temp';

interface Manifest {
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    configuration: { properties: Record<string, { default?: unknown; markdownDescription?: string }> };
  };
}

const root = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;
const { commands, menus, configuration } = manifest.contributes;

test('every contributed command has a handler and the Peer Backup category, and every handler is contributed', async (t) => {
  const { editor } = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir: tempDir(t) });
  const contributed = commands.map((command) => command.command).sort();
  assert.deepEqual([...editor.commands.keys()].sort(), contributed);
  for (const command of commands) {
    assert.equal(command.category, 'Peer Backup', command.command);
    assert.ok(command.title.trim(), `${command.command} has a title`);
  }
  assert.equal(new Set(commands.map((command) => command.title)).size, commands.length, 'titles are unique');
});

test('commands run on an Explorer item are hidden from the palette, which has no item to give them', () => {
  const explorer = menus['explorer/context'];
  assert.ok(explorer.length > 0);
  for (const entry of explorer) {
    assert.ok(entry.when, `${entry.command} is offered only on files it can back up`);
    const palette = menus.commandPalette.find((each) => each.command === entry.command);
    assert.equal(palette?.when, 'false', `${entry.command} is hidden from the palette`);
  }
});

test('menus name contributed commands, and their conditions name contributed settings', () => {
  const contributed = new Set(commands.map((command) => command.command));
  for (const entry of Object.values(menus).flat()) {
    assert.ok(contributed.has(entry.command), entry.command);
    for (const [, setting] of (entry.when ?? '').matchAll(/config\.([\w.]+)/g)) assert.ok(setting in configuration.properties, `${entry.command}: ${setting}`);
  }
});

test('settings default to the core defaults, receiving is off until asked for, and activation is not "*"', () => {
  const defaults = Object.fromEntries(Object.entries(configuration.properties).map(([key, property]) => [key, property.default]));
  assert.equal(defaults['peerBackup.registryUrl'], defaultRegistryUrl);
  assert.equal(defaults['peerBackup.receiver.port'], defaultReceiverPort);
  assert.deepEqual(defaults['peerBackup.defaultExcludes'], defaultExcludes);
  assert.equal(defaults['peerBackup.receiver.enabled'], false);
  for (const [key, property] of Object.entries(configuration.properties)) {
    assert.ok(key.startsWith('peerBackup.'), key);
    assert.ok('default' in property, `${key} has a default`);
    assert.ok(property.markdownDescription, `${key} is described`);
  }
  assert.ok(!manifest.activationEvents.includes('*'));
});

interface Walkthrough {
  id: string;
  steps: { id: string; description: string; media: { markdown?: string; image?: string }; completionEvents: string[] }[];
}

test('the walkthrough: every step completes on a contributed command or a context key the extension sets, and links only contributed commands', () => {
  const full = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { publisher: string; name: string; contributes: { walkthroughs: Walkthrough[] } };
  assert.equal(`${full.publisher}.${full.name}`, extensionId);
  const walkthrough = full.contributes.walkthroughs.find((each) => each.id === walkthroughId);
  assert.ok(walkthrough);
  const contributed = new Set(commands.map((command) => command.command));
  const keys = new Set<string>(Object.values(contextKeys));
  for (const step of walkthrough.steps) {
    assert.ok(step.completionEvents.length > 0, `${step.id} completes on an event, not on being opened`);
    for (const event of step.completionEvents) {
      const [kind, rest] = [event.slice(0, event.indexOf(':')), event.slice(event.indexOf(':') + 1)];
      if (kind === 'onCommand') assert.ok(contributed.has(rest), `${step.id}: ${rest}`);
      else if (kind === 'onContext') for (const key of rest.split('&&').map((part) => part.trim())) assert.ok(keys.has(key), `${step.id}: ${key}`);
      else assert.fail(`${step.id}: ${event}`);
    }
    for (const [, command] of step.description.matchAll(/\(command:([\w.]+)\)/g)) assert.ok(contributed.has(command), `${step.id} links ${command}`);
    const media = step.media.markdown ?? step.media.image;
    assert.ok(media && existsSync(join(root, media)), `${step.id}: ${media}`);
  }
});

test('the views have a container with an icon, and their inline actions are contributed commands with icons', () => {
  const full = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    contributes: { viewsContainers: { activitybar: { id: string; icon: string }[] }; views: Record<string, { id: string }[]>; commands: { command: string; icon?: string }[] };
  };
  const [container] = full.contributes.viewsContainers.activitybar;
  assert.ok(existsSync(join(root, container.icon)));
  assert.deepEqual(full.contributes.views[container.id].map((view) => view.id), ['peerBackup.plans', 'peerBackup.teammates', 'peerBackup.receiving']);
  for (const entry of menus['view/item/context'].filter((each) => (each as { group?: string }).group?.startsWith('inline'))) {
    assert.ok(full.contributes.commands.find((command) => command.command === entry.command)?.icon, `${entry.command} has an icon`);
  }
});
