import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

export interface RunningVarnish {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Varnish in front of `backend` (`varnishd -b`, the default VCL, 256 MB of malloc storage), in
 * the foreground so that it stops with this process; undefined when varnishd is not installed.
 */
export async function startVarnish(backend: string): Promise<RunningVarnish | undefined> {
  const port = await freePort();
  const workDir = mkdtempSync(path.join(tmpdir(), 'cdnsim-varnish-'));
  // varnishd compiles its VCL there as its own unprivileged user.
  chmodSync(workDir, 0o755);
  const { hostname, port: backendPort } = new URL(backend);
  let child: ChildProcess;
  try {
    child = spawn('varnishd', ['-F', '-a', `127.0.0.1:${port}`, '-b', `${hostname}:${backendPort}`, '-n', workDir, '-s', 'malloc,256m'], { stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  } catch {
    rmSync(workDir, { recursive: true, force: true });
    return undefined;
  }
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill('SIGTERM');
    await Promise.race([new Promise((resolve) => child.once('exit', resolve)), sleep(5_000)]);
    rmSync(workDir, { recursive: true, force: true });
  };
  for (let waited = 0; waited < 15_000; waited += 200) {
    try {
      const probe = await request(url, { headersTimeout: 1_000, bodyTimeout: 1_000 });
      await probe.body.dump();
      return { url, pid: child.pid!, stop };
    } catch {
      await sleep(200);
    }
  }
  await stop();
  throw new Error('varnishd started but never answered');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
