/** The settings panel's document and its webview options: what the CSP allows, where resources come from, and restoring after a reload. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type * as vscode from 'vscode';
import { activateInFakeEditor, type FakeWebviewPanel } from '../helpers/fake-vscode';
import { tempDir } from '../helpers/temp';

const repoRoot = join(__dirname, '..', '..');

function csp(html: string): Map<string, string[]> {
  const content = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
  assert.ok(content, 'no CSP meta tag');
  return new Map(content.split(';').map((directive) => {
    const [name, ...sources] = directive.trim().split(/\s+/);
    return [name, sources];
  }));
}

function nonceOf(html: string): string {
  const nonce = /<script nonce="([^"]+)" src=/.exec(html)?.[1];
  assert.ok(nonce, 'the script has no nonce');
  return nonce;
}

test('the panel allows only its nonce-tagged script and media/ styles, with a fresh nonce each render', async (t) => {
  const { editor } = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir: tempDir(t) });
  await editor.run('peerBackup.openSettings');
  const first = editor.panels[0];
  const policy = csp(first.webview.html);
  const nonce = nonceOf(first.webview.html);

  assert.deepEqual(policy.get('default-src'), ["'none'"]);
  assert.deepEqual(policy.get('script-src'), [`'nonce-${nonce}'`]);
  assert.deepEqual(policy.get('style-src'), ['https://webview.test', `'nonce-${nonce}'`]);
  assert.ok(!first.webview.html.includes('unsafe-'), 'the CSP must not relax to unsafe-inline or unsafe-eval');
  assert.match(first.webview.html, new RegExp(`<meta property="csp-nonce" content="${nonce}">`));
  assert.match(first.webview.html, new RegExp(`src="https:///webview${join(repoRoot, 'media', 'dist', 'settings.js')}"`));
  assert.match(first.webview.html, new RegExp(`href="https:///webview${join(repoRoot, 'media', 'settings.css')}"`));
  assert.equal(first.webview.options.enableScripts, true);
  assert.deepEqual(
    first.webview.options.localResourceRoots?.map((uri) => uri.fsPath),
    [join(repoRoot, 'media')],
  );

  await editor.run('peerBackup.openSettings');
  assert.equal(editor.panels.length, 1, 'Open Settings reveals the open panel instead of opening another');
  first.dispose();
  await editor.run('peerBackup.openSettings');
  assert.notEqual(nonceOf(editor.panels[1].webview.html), nonce);
});

test('after a reload the serializer brings the panel back to life, and only one', async (t) => {
  const { editor } = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir: tempDir(t) });
  const serializer = editor.serializers.get('peerBackup.settings');
  assert.ok(serializer, 'no serializer for the settings panel');
  const restored: FakeWebviewPanel = editor.newPanel('peerBackup.settings', 'Peer Backup Settings', {});
  await serializer.deserializeWebviewPanel(restored as unknown as vscode.WebviewPanel, { drafts: {} });
  assert.equal(restored.webview.options.enableScripts, true);
  assert.match(restored.webview.html, /<script nonce=/);
  await restored.webview.send({ kind: 'ready' });
  await editor.waitFor(() => restored.webview.posted.some((message) => (message as { kind: string }).kind === 'state'), 'state for the restored panel');

  const second = editor.newPanel('peerBackup.settings', 'Peer Backup Settings', {});
  await serializer.deserializeWebviewPanel(second as unknown as vscode.WebviewPanel, undefined);
  assert.equal(second.disposed, true);
});
