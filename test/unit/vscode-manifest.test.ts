import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { activateInFakeEditor } from '../helpers/fake-vscode';
import { tempDir } from '../helpers/temp';

interface Manifest {
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string; category: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    configuration: { properties: Record<string, { default: unknown }> };
  };
}

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as Manifest;

/** The titles the issue names; end-to-end tests find the commands by them. */
const titles: Record<string, string> = {
  'peerBackup.addToPlan': 'Add to Backup Plan...',
  'peerBackup.backUpNow': 'Back Up Now to Teammate...',
  'peerBackup.createPlan': 'Create Backup Plan',
  'peerBackup.runPlan': 'Run Backup Plan Now',
  'peerBackup.openSettings': 'Open Settings',
  'peerBackup.restoreSnapshot': 'Restore Snapshot...',
  'peerBackup.addTeammate': 'Add Teammate',
  'peerBackup.copyPeerId': 'Copy My Peer ID',
  'peerBackup.allowTeammate': 'Allow a Teammate to Back Up Here',
  'peerBackup.startReceiving': 'Start Receiving',
  'peerBackup.stopReceiving': 'Stop Receiving',
  'peerBackup.showHistory': 'Show Backup History',
  'peerBackup.showLog': 'Show Log',
};

test('every contributed command has a handler, a title as in the issue, and the Peer Backup category', async (t) => {
  const { editor } = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir: tempDir(t) });
  const contributed = Object.fromEntries(manifest.contributes.commands.map((command) => [command.command, command.title]));
  assert.deepEqual(contributed, titles);
  assert.deepEqual([...editor.commands.keys()].sort(), Object.keys(titles).sort());
  assert.ok(manifest.contributes.commands.every((command) => command.category === 'Peer Backup'));
});

test('the Explorer entries are in its context menu and hidden from the palette, which needs no URI', () => {
  const explorer = manifest.contributes.menus['explorer/context'].map((entry) => entry.command);
  assert.deepEqual(explorer, ['peerBackup.addToPlan', 'peerBackup.backUpNow']);
  assert.ok(manifest.contributes.menus['explorer/context'].every((entry) => entry.when));
  const hidden = manifest.contributes.menus.commandPalette.filter((entry) => entry.when === 'false').map((entry) => entry.command);
  assert.deepEqual(hidden.sort(), explorer.sort());
});

test('activation is not "*", and the settings are contributed with their defaults', () => {
  assert.ok(!manifest.activationEvents.includes('*'));
  const defaults = Object.fromEntries(Object.entries(manifest.contributes.configuration.properties).map(([key, property]) => [key, property.default]));
  assert.deepEqual(defaults, {
    'peerBackup.registryUrl': 'http://127.0.0.1:7420',
    'peerBackup.receiver.enabled': false,
    'peerBackup.receiver.port': 7421,
    'peerBackup.receiver.storageFolder': '',
    'peerBackup.defaultExcludes': ['node_modules/'],
    'peerBackup.home': '',
  });
});
