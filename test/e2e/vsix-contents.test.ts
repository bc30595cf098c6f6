/**
 * The VSIX, installed by code-server as a user would install it, holds the
 * bundle and a sqlite3 that loads on its own, and nothing from the source tree.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/temp';
import { createProfile, installExtension } from '../../scripts/lib/code-server';
import { packagedVsixPath } from './harness';

const execFileAsync = promisify(execFile);

async function installPackagedExtension(t: { after(fn: () => void): void }): Promise<string> {
  const profile = createProfile(tempDir(t), {});
  await installExtension(profile, packagedVsixPath);
  const [installed] = JSON.parse(readFileSync(join(profile.extensionsDir, 'extensions.json'), 'utf8')) as { relativeLocation: string }[];
  return join(profile.extensionsDir, installed.relativeLocation);
}

test('the VSIX ships the bundle, the icon and the licence, and no sources, maps or tests', async (t) => {
  const files = readdirSync(await installPackagedExtension(t), { recursive: true, encoding: 'utf8' });
  for (const expected of ['package.json', 'dist/extension.js', 'media/icon.png', 'LICENSE.txt', 'changelog.md', 'readme.md', 'dist/activate.js', 'dist/backup-thread-main.js', 'dist/lib-fastify.js', 'dist/lib-rate-limiter-flexible.js', 'dist/lib-pg.js', 'media/dist/settings.js']) {
    assert.ok(files.includes(expected), `${expected} is missing from the VSIX`);
  }
  const unwanted = files.filter((file) => /\.(ts|map)$|^(src|test|scripts|bench|docs)\//.test(file));
  assert.deepEqual(unwanted, []);
});

test("the details page is a user's README whose every image ships in the VSIX", async (t) => {
  const installed = await installPackagedExtension(t);
  const readme = readFileSync(join(installed, 'readme.md'), 'utf8');
  assert.doesNotMatch(readme, /npm ci|npm start/, 'the packaged README is the developer README');
  const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((match) => match[1]!);
  assert.ok(images.length >= 3, `the packaged README shows ${images.length} images`);
  for (const image of images) {
    assert.doesNotMatch(image, /^[a-z]+:/, `${image} is not a file in the VSIX`);
    assert.ok(existsSync(join(installed, image)), `${image}, shown on the details page, is missing from the VSIX`);
  }
});

test('the sqlite3 inside the VSIX loads and runs a query outside the source tree', async (t) => {
  const sqlite3Dir = join(await installPackagedExtension(t), 'node_modules', 'sqlite3');
  const query = `
    const sqlite3 = require(process.argv[1]);
    const db = new sqlite3.Database(':memory:');
    db.get('SELECT sqlite_version() AS version', (error, row) => { if (error) throw error; console.log(row.version); });
  `;
  // Run from a temp folder, so that nothing in this repository's node_modules can stand in.
  const { stdout } = await execFileAsync(process.execPath, ['-e', query, sqlite3Dir], { cwd: tempDir(t) });
  assert.match(stdout.trim(), /^3\.\d+\.\d+$/);
});

test('the zstd-napi inside the VSIX loads and round-trips a frame outside the source tree', async (t) => {
  const binding = join(await installPackagedExtension(t), 'node_modules', 'zstd-napi', 'binding.js');
  const roundTrip = `
    const zstd = require(process.argv[1]);
    const text = Buffer.from('peer backup '.repeat(1000));
    const frame = Buffer.alloc(zstd.compressBound(text.length));
    const size = zstd.compress(frame, text, 3);
    const back = Buffer.alloc(zstd.getFrameContentSize(frame.subarray(0, size)));
    zstd.decompress(back, frame.subarray(0, size));
    console.log(size, back.equals(text));
  `;
  // Run from a temp folder, so that nothing in this repository's node_modules can stand in.
  const { stdout } = await execFileAsync(process.execPath, ['-e', roundTrip, binding], { cwd: tempDir(t) });
  const [size, equal] = stdout.trim().split(' ');
  assert.equal(equal, 'true');
  assert.ok(Number(size) < 1000, `a 12,000-byte repetitive text compressed to ${size} bytes`);
});
