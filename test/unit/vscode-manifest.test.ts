/**
 * What the extension manifest (package.json) must get right, checked against
 * the code rather than copied: commands match their handlers, commands that
 * need an Explorer item stay out of the palette, and the settings' defaults
 * are the core's.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultExcludes, defaultReceiverPort, defaultRegistryUrl } from '../../src/core/defaults';
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

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as Manifest;
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
