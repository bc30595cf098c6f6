/**
 * `peer-backup pack` as a user runs it (the built dist/cli.js, a temp home),
 * checked with GNU tar, diff and sha256sum rather than with our own code.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, createReadStream, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { extractArchive, type Manifest } from '../../src/core/pack';
import { openStore } from '../../src/core/store';
import { runCli, runCliJson } from '../helpers/cli';
import { writeFixtureTree } from '../helpers/fixture-tree';
import { tempDir } from '../helpers/temp';

const isRoot = process.getuid?.() === 0;

interface PackJson {
  file: string;
  archiveBytes: number;
  files: number;
  directories: number;
  symlinks: number;
  bytes: number;
  skipped: { path: string; reason: string }[];
  changed: { path: string; reason: string }[];
}

/** A temp folder with a home, a workspace `ws` made by `build`, and a plan `demo` over it made with `planFlags`. */
async function setUp(t: Parameters<typeof tempDir>[0], build: (ws: string) => void, planFlags: string[] = []) {
  const dir = tempDir(t);
  const home = join(dir, 'home');
  mkdirSync(home);
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  build(ws);
  await runCliJson(['--home', home, 'plan', 'add', 'demo', 'ws', ...planFlags], { cwd: dir });
  const pack = (...args: string[]) => runCli(['--home', home, 'pack', 'demo', ...args], { cwd: dir });
  return { dir, home, ws, pack };
}

function manifestOf(archive: string): Manifest {
  return JSON.parse(execFileSync('tar', ['-xzOf', archive, '.peer-backup/manifest.json'], { encoding: 'utf8' })) as Manifest;
}

test('an archive from `pack` lists and extracts with GNU tar to a tree identical to the source, executable bit included', async (t) => {
  const { dir, ws, pack } = await setUp(t, writeFixtureTree);
  const result = await pack('--out', 'demo.tar.gz');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Packed plan "demo" into .*demo\.tar\.gz\.\nFiles: +4 /);

  const archive = join(dir, 'demo.tar.gz');
  const listing = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).split('\n').filter(Boolean);
  assert.ok(listing.includes('ws/résumé final.txt'));
  assert.ok(listing.includes('ws/empty folder/'));
  assert.equal(listing.at(-1), '.peer-backup/manifest.json');

  const gnu = join(dir, 'gnu');
  mkdirSync(gnu);
  execFileSync('tar', ['-xzf', archive, '-C', gnu]);
  execFileSync('diff', ['-r', '--no-dereference', ws, join(gnu, 'ws')]);
  assert.equal((statSync(join(gnu, 'ws', 'run.sh')).mode & 0o777).toString(8), '755');

  const ours = join(dir, 'ours');
  const report = await extractArchive(createReadStream(archive), ours, { overwrite: false });
  execFileSync('diff', ['-r', '--no-dereference', ws, join(ours, 'ws')]);
  assert.deepEqual(readdirSync(ours), ['ws']);
  assert.equal(report.files, 4);
});

test('the manifest lists every file with the SHA-256 that sha256sum computes', async (t) => {
  const { dir, ws, pack } = await setUp(t, writeFixtureTree);
  assert.equal((await pack('--out', 'demo.tar.gz')).code, 0);
  const manifest = manifestOf(join(dir, 'demo.tar.gz'));
  const files = manifest.entries.filter((entry) => entry.type === 'file');
  const onDisk = execFileSync('find', [ws, '-type', 'f'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  assert.equal(files.length, onDisk.length);
  for (const entry of files) {
    const expected = execFileSync('sha256sum', [join(dir, entry.path)], { encoding: 'utf8' }).split(' ')[0];
    assert.equal(entry.type === 'file' && entry.sha256, expected, entry.path);
  }
});

test('node_modules is left out by default and .git is kept', async (t) => {
  const { dir, pack } = await setUp(t, (ws) => {
    mkdirSync(join(ws, 'node_modules', 'left-pad'), { recursive: true });
    mkdirSync(join(ws, 'app', 'node_modules', 'dep'), { recursive: true });
    mkdirSync(join(ws, '.git', 'refs'), { recursive: true });
    writeFileSync(join(ws, 'node_modules', 'left-pad', 'index.js'), '');
    writeFileSync(join(ws, 'app', 'node_modules', 'dep', 'index.js'), '');
    writeFileSync(join(ws, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(ws, 'app', 'main.js'), '');
  });
  assert.equal((await pack('--out', 'demo.tar.gz')).code, 0);
  const listing = execFileSync('tar', ['-tzf', join(dir, 'demo.tar.gz')], { encoding: 'utf8' });
  assert.doesNotMatch(listing, /node_modules/);
  assert.match(listing, /^ws\/\.git\/HEAD$/m);
  assert.match(listing, /^ws\/\.git\/refs\/$/m);
  assert.match(listing, /^ws\/app\/main\.js$/m);
});

test('--respect-gitignore honours the .gitignore files, nested ones relative to their own folder', async (t) => {
  const build = (ws: string) => {
    mkdirSync(join(ws, 'pkg', 'dist'), { recursive: true });
    writeFileSync(join(ws, '.gitignore'), '*.log\n');
    writeFileSync(join(ws, 'pkg', '.gitignore'), '/dist/\n!keep.log\n');
    for (const file of ['top.log', 'top.txt', 'pkg/dist/bundle.js', 'pkg/keep.log', 'pkg/debug.log', 'pkg/src.ts']) writeFileSync(join(ws, file), file);
  };
  const { dir, pack } = await setUp(t, build, ['--respect-gitignore']);
  assert.equal((await pack('--out', 'demo.tar.gz')).code, 0);
  const files = execFileSync('tar', ['-tzf', join(dir, 'demo.tar.gz')], { encoding: 'utf8' }).split('\n').filter((line) => line.startsWith('ws/') && !line.endsWith('/'));
  assert.deepEqual(files, ['ws/.gitignore', 'ws/pkg/.gitignore', 'ws/pkg/keep.log', 'ws/pkg/src.ts', 'ws/top.txt']);
});

test('paths that cannot be read are skipped and reported, the rest is packed', async (t) => {
  const { dir, ws, pack } = await setUp(t, (root) => {
    writeFileSync(join(root, 'fine.txt'), 'fine');
    execFileSync('mkfifo', [join(root, 'a-pipe')]);
    writeFileSync(join(root, 'locked.txt'), 'locked');
    chmodSync(join(root, 'locked.txt'), 0o000);
  });
  const result = await pack('--out', 'demo.tar.gz');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`Skipped \\d:\\n  ${join(ws, 'a-pipe')}: is a FIFO`));
  const listing = execFileSync('tar', ['-tzf', join(dir, 'demo.tar.gz')], { encoding: 'utf8' });
  assert.match(listing, /^ws\/fine\.txt$/m);
  assert.doesNotMatch(listing, /a-pipe/);
  const manifest = manifestOf(join(dir, 'demo.tar.gz'));
  assert.ok(manifest.skipped.some((each) => each.path === join(ws, 'a-pipe')));
  if (isRoot) {
    t.diagnostic('running as root, which reads a chmod 000 file anyway: its skip is not checked here (test/unit/pack.test.ts covers a file vanishing before it is opened)');
  } else {
    assert.doesNotMatch(listing, /locked\.txt/);
    assert.ok(manifest.skipped.some((each) => each.path === join(ws, 'locked.txt') && /permission denied/.test(each.reason)));
  }
});

test('--json prints the report without the per-entry manifest', async (t) => {
  const { dir, pack } = await setUp(t, writeFixtureTree);
  const result = await pack('--out', 'demo.tar.gz', '--json');
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as PackJson;
  assert.deepEqual(Object.keys(report).sort(), ['archiveBytes', 'bytes', 'changed', 'directories', 'file', 'files', 'skipped', 'symlinks']);
  assert.equal(report.file, join(dir, 'demo.tar.gz'));
  assert.equal(report.archiveBytes, statSync(report.file).size);
  assert.deepEqual([report.files, report.directories, report.symlinks], [4, 5, 1]);
});

test('an existing --out file is kept unless --force is given', async (t) => {
  const { dir, pack } = await setUp(t, writeFixtureTree);
  writeFileSync(join(dir, 'demo.tar.gz'), 'precious');
  const refused = await pack('--out', 'demo.tar.gz');
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr, `peer-backup: ${join(dir, 'demo.tar.gz')} already exists: pass --force to replace it, or choose another --out.\n`);
  assert.equal(execFileSync('cat', [join(dir, 'demo.tar.gz')], { encoding: 'utf8' }), 'precious');

  assert.equal((await pack('--out', 'demo.tar.gz', '--force')).code, 0);
  execFileSync('tar', ['-tzf', join(dir, 'demo.tar.gz')]);
});

test('errors exit 1 with one line and leave no file: unknown plan, no paths, unusable --out folder', async (t) => {
  const { dir, home } = await setUp(t, writeFixtureTree);
  const store = await openStore(join(home, 'peer-backup.db'));
  try {
    await store.plans.create({ name: 'hollow', destination: null, schedule: 'manual', excludes: [], items: [] });
  } finally {
    await store.close();
  }
  writeFileSync(join(dir, 'a-file'), '');
  const cases: [string[], RegExp][] = [
    [['--home', home, 'pack', 'nope', '--out', 'x.tar.gz'], /^peer-backup: No plan named "nope" \(known plans: demo, hollow\)\.\n$/],
    [['--home', home, 'pack', 'hollow', '--out', 'x.tar.gz'], /^peer-backup: Plan "hollow" has no paths to pack: .*\n$/],
    [['--home', home, 'pack', 'demo', '--out', 'missing/x.tar.gz'], /^peer-backup: Cannot write into the folder .*missing \(ENOENT\): choose an existing, writable folder for --out\.\n$/],
    [['--home', home, 'pack', 'demo', '--out', 'a-file/x.tar.gz'], /^peer-backup: Cannot write into the folder .*a-file \(ENOTDIR\).*\n$/],
    [['--home', home, 'pack', 'demo', '--out', '.'], /^peer-backup: .* is a folder: give --out a file name/],
  ];
  const before = readdirSync(dir).sort();
  for (const [args, message] of cases) {
    const result = await runCli(args, { cwd: dir });
    assert.equal(result.code, 1, args.join(' '));
    assert.match(result.stderr, message);
    assert.equal(result.stdout, '');
  }
  assert.deepEqual(readdirSync(dir).sort(), before);
});
