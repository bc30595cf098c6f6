/**
 * Runs the built CLI (dist/cli.js, made by `npm run build`) as a real child
 * process, the way a user or a script would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const cliPath = resolve(__dirname, '../../dist/cli.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
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

export interface LongRunning {
  child: ChildProcess;
  /** The first capture group of the ready pattern, e.g. a URL. */
  ready: string;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a long-running CLI command and waits until a line of its output matches `readyPattern`. */
export function startCli(args: string[], readyPattern: RegExp, options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<LongRunning> {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      void stop('SIGKILL');
      reject(new Error(`peer-backup ${args.join(' ')} did not print ${readyPattern} within ${options.timeoutMs ?? 10000} ms:\n${output}`));
    }, options.timeoutMs ?? 10000);
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        output += `${line}\n`;
        const match = readyPattern.exec(line);
        if (match) {
          clearTimeout(timer);
          resolvePromise({ child, ready: match[1] ?? line, output: () => output, stop });
        }
      });
    }
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`peer-backup ${args.join(' ')} exited ${code} before it was ready:\n${output}`));
    });
  });
}
