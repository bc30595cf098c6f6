/**
 * Runs the built CLI (dist/cli.js, made by `npm run build`) as a real child
 * process, the way a user or a script would.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { startUntilReady, type ReadyProcess } from '../../scripts/lib/start-until-ready';
import { cliArgs, cliEnv } from '../../scripts/lib/cli-args';

export const cliPath = resolve(__dirname, '../../dist/cli.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...cliArgs(cliPath), ...args], {
      cwd: options.cwd,
      env: cliEnv(cliPath, { ...process.env, ...options.env }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Runs the CLI with --json and parses its output; fails loudly if it did not succeed. */
export async function runCliJson<T = unknown>(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<T> {
  const result = await runCli([...args, '--json'], options);
  if (result.code !== 0) throw new Error(`peer-backup ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

export type LongRunning = ReadyProcess;

/** Starts a long-running CLI command and waits until a line of its output matches `readyPattern`. */
export function startCli(args: string[], readyPattern: RegExp, options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<LongRunning> {
  return startUntilReady(process.execPath, [...cliArgs(cliPath), ...args], readyPattern, { ...options, env: cliEnv(cliPath, { ...process.env, ...options.env }) });
}
