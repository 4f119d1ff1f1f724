import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { restartDelayMs } from '../src/supervisor/child.ts';
import { isAlive } from './helpers/processes.ts';
import { startTestCluster, testTopology, TEST_EDGES, type TestCluster } from './helpers/test-cluster.ts';

const BIN = path.resolve('bin/cdnsim.js');

function writeTopology(topology: object): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-up-'));
  const file = path.join(dir, 'topology.json');
  writeFileSync(file, JSON.stringify(topology));
  return { dir, file };
}

/** Runs `cdnsim up`, collecting output, until `until` matches or the process exits. */
function runUp(file: string, dir: string) {
  const child = spawn(process.execPath, [BIN, 'up', '--topology', file, '--run-dir', path.join(dir, 'run')], {
    env: { ...process.env, CDNSIM_ADMIN_TOKEN: 'up-test-token' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const match = pattern.exec(stdout);
      if (match) return match;
      if (child.exitCode !== null) break;
      await sleep(50);
    }
    throw new Error(`no ${pattern} in output:\n${stdout}\n${stderr}`);
  };
  return { child, exited, waitFor, output: () => ({ stdout, stderr }) };
}


describe('cdnsim up', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const step of cleanup.splice(0)) step();
  });

  it('starts every process, prints a table with each id, prefixes logs, and stops all on SIGTERM with exit 0', async () => {
    const { dir, file } = writeTopology(testTopology({ edges: TEST_EDGES.slice(0, 3) }));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const up = runUp(file, dir);
    cleanup.push(() => up.child.kill('SIGKILL'));
    const ready = await up.waitFor(/all 5 processes healthy in [\d.]+ s; router: (http:\/\/\S+)/);
    const { stdout } = up.output();
    expect(stdout).toMatch(/ROLE\s+ID\s+REGION\s+URL\s+PID/);
    for (const id of ['origin', 'iad', 'fra', 'nrt', 'router']) expect(stdout).toMatch(new RegExp(`^\\w+\\s+${id}\\s+\\S+\\s+http://127\\.0\\.0\\.1:\\d+`, 'm'));
    expect(stdout).toMatch(/^iad\s+\| edge iad listening on http:/m);
    const pids = [...stdout.matchAll(/http:\/\/127\.0\.0\.1:\d+\s+(\d+)$/gm)].map((match) => Number(match[1]));
    expect(pids).toHaveLength(5);

    const response = await request(`${ready[1]}/gen/1?bytes=100`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-served-by']).toBe('iad');
    await response.body.dump();

    up.child.kill('SIGTERM');
    expect(await up.exited).toBe(0);
    for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
  });

  it('names the port and exits non-zero when a port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => blocker.close());
    const taken = (blocker.address() as { port: number }).port;
    const topology = testTopology({ edges: TEST_EDGES.slice(0, 2) });
    topology.router.port = taken;
    const { dir, file } = writeTopology(topology);
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const up = runUp(file, dir);
    cleanup.push(() => up.child.kill('SIGKILL'));
    expect(await up.exited).toBe(1);
    expect(up.output().stderr).toContain(`port ${taken}`);
  });

  it('exits 2 naming the JSON path when the topology is invalid', async () => {
    const topology = testTopology();
    (topology.edges[1] as { lat: number }).lat = 123;
    const { dir, file } = writeTopology(topology);
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const up = runUp(file, dir);
    expect(await up.exited).toBe(2);
    expect(up.output().stderr).toContain('edges[1].lat');
  });
});

describe('supervision', () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('backs off between restarts: 0.5 s doubling, capped at 15 s', () => {
    expect([1, 2, 3, 4, 10].map(restartDelayMs)).toEqual([500, 1000, 2000, 4000, 15_000]);
  });

  it('restarts a crashed edge on the same port and says so', async () => {
    cluster = await startTestCluster(testTopology({ edges: TEST_EDGES.slice(0, 2) }));
    const edge = cluster.child('fra')!;
    const { port, pid } = edge;
    process.kill(pid!, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while (!cluster.logs.some((line) => line.includes('edge fra restarted on port')) && Date.now() < deadline) await sleep(50);
    expect(cluster.logs.join('\n')).toMatch(/edge fra exited unexpectedly \(SIGKILL\); restarting in 0\.5 s/);
    expect(cluster.logs.join('\n')).toContain(`edge fra restarted on port ${port}`);
    expect(edge.pid).not.toBe(pid);
    const response = await request(`http://127.0.0.1:${port}/_cdn/health`);
    expect(response.statusCode).toBe(200);
    await response.body.dump();
  });
});
