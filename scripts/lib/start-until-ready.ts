/**
 * Starts a long-running process (a registry, a receiver, an HTTP sink) and
 * resolves once a line of its output matches `ready`, the way servers say
 * where they listen. Its output keeps being read, so a chatty server never
 * blocks on a full pipe.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ReadyProcess {
  child: ChildProcess;
  /** The first capture group of the ready pattern (e.g. a URL), else the whole line. */
  ready: string;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startUntilReady(
  command: string,
  args: string[],
  ready: RegExp,
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ReadyProcess> {
  // Only a bound for a process that never gets ready: a busy machine may take many seconds to start one.
  const timeoutMs = options.timeoutMs ?? 60_000;
  const shown = [command, ...args].join(' ');
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      void stop('SIGKILL');
      reject(new Error(`${shown} did not print ${ready} within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        output += `${line}\n`;
        const match = ready.exec(line);
        if (match) {
          clearTimeout(timer);
          resolvePromise({ child, ready: match[1] ?? line, output: () => output, stop });
        }
      });
    }
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${shown} exited ${code} before it was ready:\n${output}`));
    });
  });
}
