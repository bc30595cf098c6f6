// Bundles the extension, the CLI, the backup's thread and the
// settings panel's webview script. `vscode` is provided by the editor, and
// `sqlite3` and `zstd-napi` are native addons, so all three stay outside the
// Node bundles. The libraries only a registry or receiver server uses are
// bundles of their own beside them (see serverLibrariesApart). The extension
// is two bundles: extension.js, the entry point, is tiny so that activation
// is quick, and loads activate.js (everything else) right after. The
// backup's thread is started from a file beside the bundle that starts it.
// The webview script runs in the panel's browser frame and gets everything
// (the UI toolkit included) in one file.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

/**
 * The SSDP library under UPnP port mapping reads its own package.json through
 * createRequire(import.meta.url), which a CommonJS bundle has no value for:
 * it gets a plain require() instead, so the file is bundled. Fails the build
 * when the library no longer reads it that way.
 */
const ssdpPackageJson = {
  name: 'ssdp-package-json',
  setup(builder) {
    builder.onLoad({ filter: /@achingbrain[\\/]ssdp[\\/]dist[\\/]src[\\/]ssdp\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      const read = "const req = createRequire(import.meta.url);\nconst { name, version } = req('../../package.json');";
      if (!source.includes(read)) throw new Error(`${path} no longer reads its package.json as the build expects: update scripts/build.mjs`);
      return { contents: source.replace(read, "const { name, version } = require('../../package.json');"), loader: 'js' };
    });
  },
};

/**
 * V8 keeps each script's source on the heap, as a two-byte string as soon as
 * one character is not ASCII: 12 MB for the CLI bundle instead of 6, in every
 * process. esbuild escapes such characters in code, so the ones left are in
 * the comments of bundled libraries; they are escaped here too.
 */
const asciiOnly = {
  name: 'ascii-only',
  setup(builder) {
    builder.onEnd(async (result) => {
      if (result.errors.length > 0) return;
      const outfile = builder.initialOptions.outfile;
      const source = await readFile(outfile, 'utf8');
      const ascii = source.replace(/[^\p{ASCII}]/gu, (char) => `\\u{${char.codePointAt(0).toString(16)}}`);
      if (ascii !== source) await writeFile(outfile, ascii);
    });
  },
};

/**
 * The libraries that only the registry and receiver servers use (fastify and
 * what it brings, the rate limiter, the PostgreSQL client) are half of the
 * CLI's source, and V8 keeps a script's whole source on the heap of every
 * process that loads it. Each is a bundle of its own beside the bundles that
 * use it, required only when a server starts (the servers' modules are
 * loaded by import()), so a backup or restore never holds them.
 */
const serverLibraries = ['fastify', 'rate-limiter-flexible', 'pg'];
const serverLibrariesApart = {
  name: 'server-libraries-apart',
  setup(builder) {
    builder.onResolve({ filter: new RegExp(`^(${serverLibraries.join('|')})$`) }, ({ path }) => ({ path: `./lib-${path}.js`, external: true }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external: ['vscode', 'sqlite3', 'zstd-napi'],
  logLevel: 'warning',
  plugins: [ssdpPackageJson, asciiOnly],
};
const withServersApart = { ...common, plugins: [...common.plugins, serverLibrariesApart] };

await Promise.all([
  build({
    ...common,
    entryPoints: ['src/vscode/extension.ts'],
    outfile: 'dist/extension.js',
    external: [...common.external, './activate.js'],
    // import() becomes require(): the extension host loads extensions as CommonJS.
    supported: { 'dynamic-import': false },
  }),
  build({ ...withServersApart, entryPoints: ['src/vscode/activate.ts'], outfile: 'dist/activate.js' }),
  ...serverLibraries.map((library) =>
    build({ ...common, stdin: { contents: `module.exports = require('${library}');`, resolveDir: '.', sourcefile: `lib-${library}.js` }, outfile: `dist/lib-${library}.js` }),
  ),
  // The thread that looks at a backup's files and seals its chunks: a file of its own beside the bundles that start it.
  build({ ...common, entryPoints: ['src/core/backup/backup-thread-main.ts'], outfile: 'dist/backup-thread-main.js' }),
  build({
    ...withServersApart,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    // V8's young generation grows to 16 MB semi-spaces in any busy process; held at 1 MB, a receiver taking a
    // 2 GiB backup peaked about 45 MB lower and used less CPU, and a sender 10 to 30 MB lower in the same time.
    // ArrayBuffer.prototype.transfer, which Node 20 has behind a flag, lets a chunk's memory go at once
    // (src/core/util/release-buffer.ts). The old generation may grow by 60% between collections, not up to
    // fourfold as V8 lets a large machine's heap: at twofold, first backups peaked 20 to 35 MB lower and restores
    // 45 MB; at 60% rather than twofold, a 3 GiB backup peaked at 133 to 136 MB instead of 139 to 150 MB, for 2 to
    // 7% more CPU. Restores raise it to 100% once they start (src/cli/heap-growth.ts).
    // glibc gives each thread that allocates an arena of its own, and each arena keeps freed chunk buffers for
    // reuse; with one arena for all threads, a 2 GiB backup peaked about 20 MB lower in about the same time.
    banner: { js: '#!/usr/bin/env -S MALLOC_ARENA_MAX=1 node --max-semi-space-size=1 --harmony-rab-gsab-transfer --heap-growing-percent=60' },
  }).then(() => chmod('dist/cli.js', 0o755)),
  build({
    bundle: true,
    platform: 'browser',
    target: 'chrome120',
    format: 'iife',
    minify: true,
    sourcemap: true,
    entryPoints: ['media/settings/main.ts'],
    outfile: 'media/dist/settings.js',
    logLevel: 'warning',
  }),
]);
