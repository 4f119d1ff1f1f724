import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ChildMessage } from '../net/listen.ts';

const CDNSIM_BIN = fileURLToPath(new URL('../../bin/cdnsim.js', import.meta.url));

export interface ChildSpec {
  role: 'origin' | 'edge' | 'router';
  id: string;
  region: string;
  /** The address it listens on (default 127.0.0.1). */
  host?: string;
  /** The command line after `cdnsim`, for a given port (0 on first start = any free port). */
  args: (port: number) => string[];
  port: number;
}

export interface ChildOptions {
  env: NodeJS.ProcessEnv;
  /** Receives each line the child prints, already prefixed with its id. */
  log: (line: string) => void;
  prefixWidth: number;
  startTimeoutMs?: number;
}

/** Backoff before the n-th restart in a row: 0.5 s doubling, at most 15 s. */
export function restartDelayMs(attempt: number): number {
  return Math.min(15_000, 500 * 2 ** Math.max(0, attempt - 1));
}

/** A child stable for this long has its restart count forgiven. */
const STABLE_AFTER_MS = 30_000;

export class StartError extends Error {
  override name = 'StartError';
}

/**
 * One supervised component process: started, prefixed in the log, restarted with backoff when it
 * dies on its own (on the same port, so the router's view stays right), stopped on request.
 */
export class ManagedChild {
  readonly spec: ChildSpec;
  readonly #options: ChildOptions;
  #process: ChildProcess | undefined;
  #port: number;
  #stopping = false;
  #restarts = 0;
  #startedAt = 0;
  #restartTimer: NodeJS.Timeout | undefined;

  constructor(spec: ChildSpec, options: ChildOptions) {
    this.spec = spec;
    this.#options = options;
    this.#port = spec.port;
  }

  get port(): number {
    return this.#port;
  }

  get pid(): number | undefined {
    return this.#process?.pid;
  }

  get url(): string {
    const host = this.spec.host ?? '127.0.0.1';
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.#port}`;
  }

  /** Resolves with the port once the child listens; rejects with the child's own reason if it cannot. */
  start(): Promise<number> {
    const child = spawn(process.execPath, [...profilerArgs(this.#options.env), CDNSIM_BIN, ...this.spec.args(this.#port)], {
      env: this.#options.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Its own process group: a terminal's Ctrl-C reaches only the supervisor, which stops the
      // children in order instead of them all dying at once and looking like crashes.
      // A child still exits if the supervisor dies, when its IPC channel closes.
      detached: true,
    });
    this.#process = child;
    this.#startedAt = Date.now();
    const prefix = `${this.spec.id.padEnd(this.#options.prefixWidth)} | `;
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => this.#options.log(prefix + line));
    }
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        fail(`did not start within ${(this.#options.startTimeoutMs ?? 20_000) / 1000} s`);
        child.kill('SIGKILL');
      }, this.#options.startTimeoutMs ?? 20_000);
      const fail = (reason: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new StartError(`cannot start ${this.spec.role} ${this.spec.id}: ${reason}`));
      };
      child.on('message', (message: ChildMessage) => {
        if (message.type === 'listening' && !settled) {
          settled = true;
          clearTimeout(timer);
          this.#port = message.port;
          resolve(message.port);
        } else if (message.type === 'start-failed') {
          fail(message.reason);
        }
      });
      child.on('error', (error) => fail(error.message));
      child.on('exit', (code, signal) => {
        fail(`exited during start-up (${signal ?? `code ${code}`})`);
        if (this.#process === child) this.#onExit(code, signal);
      });
    });
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#stopping) return;
    if (Date.now() - this.#startedAt > STABLE_AFTER_MS) this.#restarts = 0;
    this.#restarts += 1;
    const delay = restartDelayMs(this.#restarts);
    this.#supervisorLog(
      `${this.spec.role} ${this.spec.id} exited unexpectedly (${signal ?? `code ${code}`}); ` +
        `restarting in ${(delay / 1000).toFixed(1)} s (restart #${this.#restarts})`,
    );
    this.#restartTimer = setTimeout(() => {
      this.start().then(
        (port) => this.#supervisorLog(`${this.spec.role} ${this.spec.id} restarted on port ${port}`),
        (error: Error) => this.#supervisorLog(error.message),
      );
    }, delay);
  }

  #supervisorLog(line: string): void {
    this.#options.log(`${'cdnsim'.padEnd(this.#options.prefixWidth)} | ${line}`);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    const child = this.#process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(killer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}

/**
 * CDNSIM_CPU_PROFILE_DIR=DIR starts every child under V8's sampling profiler, writing one
 * .cpuprofile per process into DIR when it exits (Node refuses --cpu-prof in NODE_OPTIONS).
 */
function profilerArgs(env: NodeJS.ProcessEnv): string[] {
  const dir = env.CDNSIM_CPU_PROFILE_DIR;
  return dir === undefined || dir === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}
