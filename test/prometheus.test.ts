import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusConfig } from '../src/metrics/prometheus-config.ts';
import { startTestCluster, testTopology, TEST_EDGES, type TestCluster } from './helpers/test-cluster.ts';
import { freePort, shouldRunWith } from './helpers/system-binary.ts';

const run = shouldRunWith(['prometheus', 'promtool'], 'Debian: apt-get install prometheus');

async function fetchText(url: string, headers: Record<string, string> = {}) {
  const response = await request(url, { headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

describe.runIf(run)('with a real Prometheus server', () => {
  let cluster: TestCluster;
  let prometheus: ChildProcess;
  let promUrl: string;

  async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const response = await fetchText(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = JSON.parse(response.text) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    expect(body.status).toBe('success');
    return body.data.result;
  }

  beforeAll(async () => {
    cluster = await startTestCluster(testTopology({ edges: TEST_EDGES.slice(0, 3) }));
    const config = path.join(cluster.dir, 'prometheus.yml');
    writeFileSync(config, prometheusConfig(cluster.topology, { scrapeInterval: '1s' }));
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      'prometheus',
      [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.tsdb.path=${path.join(cluster.dir, 'tsdb')}`, '--log.level=warn'],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ready = await fetchText(`${promUrl}/-/ready`).catch(() => undefined);
      if (ready?.status === 200) break;
      if (Date.now() > deadline) throw new Error('Prometheus did not become ready');
      await sleep(200);
    }
  }, 60_000);

  afterAll(async () => {
    prometheus?.kill('SIGTERM');
    await cluster?.dispose();
  });

  it('gets metrics that promtool accepts from every process', async () => {
    for (const member of cluster.members) {
      const metrics = (await fetchText(`${member.url}/metrics`)).text;
      const check = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8', timeout: 20_000 });
      expect(`${check.stdout}${check.stderr}`.trim(), member.id).toBe('');
      expect(check.status, member.id).toBe(0);
    }
  });

  it('computes in PromQL the same hit ratio the client counted, with every target up', async () => {
    let hits = 0;
    let total = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 10; i++) {
        // Objects 0-4 are asked for from Germany and Japan, so they miss once per edge.
        const geo = i < 5 && round === 1 ? 'JP' : 'DE';
        const response = await fetchText(`${cluster.routerUrl}/gen/prom-${i}?bytes=512`, { 'x-client-geo': geo });
        expect(response.status).toBe(200);
        total++;
        if (response.headers['x-cache'] === 'HIT') hits++;
      }
    }
    expect(hits).toBeGreaterThan(0);
    expect(hits).toBeLessThan(total);
    const deadline = Date.now() + 20_000;
    let seen = 0;
    while (Date.now() < deadline) {
      const result = await query('sum(cdn_edge_requests_total)');
      seen = Number(result[0]?.value[1] ?? 0);
      if (seen === total) break;
      await sleep(300);
    }
    expect(seen).toBe(total);
    const ratio = await query('sum(cdn_edge_requests_total{cache_status="hit"}) / sum(cdn_edge_requests_total)');
    expect(Number(ratio[0]!.value[1])).toBeCloseTo(hits / total, 9);

    // Prometheus spreads first scrapes over the interval: wait until it has seen every target.
    let up = await query('up');
    while (up.length < cluster.members.length && Date.now() < deadline) {
      await sleep(300);
      up = await query('up');
    }
    expect(up).toHaveLength(cluster.members.length);
    expect(up.every((target) => target.value[1] === '1')).toBe(true);
    const edgeTargets = up.filter((target) => target.metric.job === 'cdnsim-edge').map((target) => target.metric.edge).sort();
    expect(edgeTargets).toEqual(['fra', 'iad', 'nrt']);
  });
});
