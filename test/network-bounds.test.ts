import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { roundTripDelayMs } from '../src/geo/network-model.ts';
import { simulateDelay } from '../src/net/delay.ts';
import { parseTopology, TopologyError } from '../src/topology/load.ts';
import { NETWORK_LIMITS } from '../src/topology/schema.ts';

/** Node's timers hold a signed 32-bit millisecond count; a longer delay fires after 1 ms instead. */
const NODE_TIMER_MAX_MS = 2 ** 31 - 1;

const topology = {
  network: { baseMs: 2, kmPerMs: 100, timeScale: 1 },
  router: { port: 0, defaultClientLocation: { lat: 0, lon: 0 } },
  origin: { lat: 0, lon: 0, port: 0 },
  edges: [{ id: 'far', city: 'Antipode', region: 'x', lat: 0, lon: 180, port: 0, maxSize: 1000 }],
};

function withNetwork(network: Record<string, number>) {
  return { ...topology, network: { ...topology.network, ...network } };
}

function rejection(network: Record<string, number>): TopologyError {
  try {
    parseTopology(withNetwork(network), 'net.json');
  } catch (error) {
    expect(error).toBeInstanceOf(TopologyError);
    return error as TopologyError;
  }
  throw new Error(`expected ${JSON.stringify(network)} to be refused`);
}

const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-network-bounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('network model bounds', () => {
  it.each([
    ['timeScale', { timeScale: 1e9 }],
    ['timeScale', { timeScale: NETWORK_LIMITS.maxTimeScale + 1 }],
    ['baseMs', { baseMs: 1e12 }],
    ['baseMs', { baseMs: -1 }],
    ['kmPerMs', { kmPerMs: 1e-9 }],
    ['kmPerMs', { kmPerMs: 1e9 }],
  ])('refuses network.%s out of range, naming the path', (field, network) => {
    const error = rejection(network);
    expect(error.jsonPath).toBe(`network.${field}`);
    expect(error.message).toMatch(new RegExp(`^net\\.json: network\\.${field}: .+`));
  });

  it('accepts the limits themselves, and there the longest round trip still fits a Node timer', () => {
    const extreme = parseTopology(
      withNetwork({ baseMs: NETWORK_LIMITS.maxBaseMs, kmPerMs: NETWORK_LIMITS.minKmPerMs, timeScale: NETWORK_LIMITS.maxTimeScale }),
    );
    const antipodes = roundTripDelayMs(extreme.network, { lat: 0, lon: 0 }, { lat: 0, lon: 180 });
    expect(antipodes).toBeGreaterThan(0);
    expect(antipodes).toBeLessThan(NODE_TIMER_MAX_MS);
  });

  it('waits at most the longest Node timer, whatever it is asked (the edge takes --origin-rtt-ms too)', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    const controller = new AbortController();
    try {
      const wait = simulateDelay(1e12, controller.signal);
      expect(wait).toBeDefined();
      // An overflowing timer would fire after 1 ms; a clamped one is still pending.
      const early = await Promise.race([wait!.then(() => 'fired'), new Promise((r) => setTimeout(r, 50, 'pending'))]);
      expect(early).toBe('pending');
      controller.abort();
      await wait!.catch(() => undefined);
      await new Promise((r) => setImmediate(r));
      expect(warnings).not.toContain('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('cdnsim validate exits 2 for timeScale 1e9 and names network.timeScale', () => {
    const file = path.join(dir, 'slow.json');
    writeFileSync(file, JSON.stringify(withNetwork({ timeScale: 1e9 })));
    const result = spawnSync(process.execPath, ['bin/cdnsim.js', 'validate', file], { encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('network.timeScale');
  });
});
