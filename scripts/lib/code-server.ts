/**
 * code-server (installed by scripts/setup-e2e.sh) as a child process: a fresh
 * profile per editor, the extension installed from its VSIX the way a user
 * installs it, and the server on a free loopback port.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const codeServerEntry = resolve(__dirname, '../../.tools/code-server/node_modules/code-server/out/node/entry.js');

/** The folders that make up one editor profile; all live under `root`. */
export interface Profile {
  root: string;
  userDataDir: string;
  extensionsDir: string;
  configFile: string;
}

export function createProfile(root: string, settings: Record<string, unknown>): Profile {
  const profile = {
    root,
    userDataDir: join(root, 'data'),
    extensionsDir: join(root, 'extensions'),
    configFile: join(root, 'config.yaml'),
  };
  mkdirSync(join(profile.userDataDir, 'User'), { recursive: true });
  mkdirSync(profile.extensionsDir, { recursive: true });
  // Without its own --config file, code-server writes one into ~/.config.
  writeFileSync(profile.configFile, '');
  const userSettings = { 'workbench.startupEditor': 'none', ...settings };
  writeFileSync(join(profile.userDataDir, 'User', 'settings.json'), JSON.stringify(userSettings, null, 2));
  return profile;
}

/**
 * Written to the profile's Machine/settings.json: the server reads
 * machine-scoped settings, such as whether walkthroughs open on install,
 * only from there.
 */
export function writeMachineSettings(profile: Profile, settings: Record<string, unknown>): void {
  mkdirSync(join(profile.userDataDir, 'Machine'), { recursive: true });
  writeFileSync(join(profile.userDataDir, 'Machine', 'settings.json'), JSON.stringify(settings, null, 2));
}

function profileArgs(profile: Profile): string[] {
  return ['--extensions-dir', profile.extensionsDir, '--user-data-dir', profile.userDataDir, '--config', profile.configFile];
}

function requireCodeServer(): void {
  if (!existsSync(codeServerEntry)) throw new Error(`code-server is not installed at ${codeServerEntry}: run npm run setup:e2e`);
}

export async function installExtension(profile: Profile, vsixPath: string): Promise<void> {
  requireCodeServer();
  if (!existsSync(vsixPath)) throw new Error(`no VSIX at ${vsixPath}: run npm run package`);
  const { stdout } = await execFileAsync(process.execPath, [codeServerEntry, ...profileArgs(profile), '--install-extension', vsixPath]);
  if (!/successfully installed/.test(stdout)) throw new Error(`code-server did not install ${vsixPath}:\n${stdout}`);
}

export interface RunningCodeServer {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

const startTimeoutMs = 60_000;
const stopGraceMs = 5_000;

export interface StartOptions {
  /** Extension IDs (publisher.name) allowed to use the proposed APIs their manifest declares. */
  enableProposedApi?: string[];
}

export function startCodeServer(profile: Profile, workspaceDir: string, options: StartOptions = {}): Promise<RunningCodeServer> {
  requireCodeServer();
  const proposedApi = (options.enableProposedApi ?? []).flatMap((id) => ['--enable-proposed-api', id]);
  const child = spawn(
    process.execPath,
    [
      codeServerEntry,
      ...profileArgs(profile),
      '--auth', 'none',
      '--bind-addr', '127.0.0.1:0',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      ...proposedApi,
      workspaceDir,
    ],
    // Its own process group, so that stop() reaches the extension host and the
    // other helpers code-server forks, not only the server.
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const stop = () => stopProcessGroup(child, exited);

  return new Promise((resolveStart, rejectStart) => {
    const fail = (reason: string) => {
      clearTimeout(timer);
      void stop().then(() => rejectStart(new Error(`code-server ${reason}:\n${output}`)));
    };
    const timer = setTimeout(() => fail(`printed no address within ${startTimeoutMs / 1000} s`), startTimeoutMs);
    const onData = () => {
      const match = /HTTP server listening on (http:\/\/\S+?)\/?\s/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      resolveStart({ url: match[1], output: () => output, stop });
    };
    const onExit = () => fail('exited before it listened');
    child.stdout.on('data', onData);
    child.once('exit', onExit);
    child.once('error', (error) => fail(`could not start: ${error.message}`));
  });
}

const extensionHostTimeoutMs = 60_000;
const extensionHostPollMs = 200;

/**
 * Waits until the extension host has started its startup extensions. The
 * workbench shows before that, and a command palette opened earlier lacks the
 * commands that extensions contribute.
 */
export async function waitForExtensionHost(profile: Profile): Promise<void> {
  const deadline = Date.now() + extensionHostTimeoutMs;
  while (!extensionHostLogs(profile).some((log) => readFileSync(log, 'utf8').includes('Eager extensions activated'))) {
    if (Date.now() > deadline) throw new Error(`the extension host did not start within ${extensionHostTimeoutMs / 1000} s`);
    await sleep(extensionHostPollMs);
  }
}

/** logs/<session>/exthost<N>/remoteexthost.log: code-server runs the extension host on the server side. */
function extensionHostLogs(profile: Profile): string[] {
  const logsDir = join(profile.userDataDir, 'logs');
  if (!existsSync(logsDir)) return [];
  return readdirSync(logsDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => /(^|\/)exthost\d+\/remoteexthost\.log$/.test(file))
    .map((file) => join(logsDir, file));
}

async function stopProcessGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return; // it never started
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The whole group is already gone.
    }
  };
  signalGroup('SIGTERM');
  const killTimer = setTimeout(() => signalGroup('SIGKILL'), stopGraceMs);
  await exited;
  clearTimeout(killTimer);
  // Children that outlived the server (an extension host winding down) go too.
  signalGroup('SIGKILL');
}
