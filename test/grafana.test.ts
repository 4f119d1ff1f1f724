import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { shouldRunWith } from './helpers/system-binary.ts';

interface Panel {
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: { uid: string };
  targets: { expr: string }[];
}

const dashboard = JSON.parse(readFileSync('deploy/grafana/cdnsim.json', 'utf8')) as {
  templating: { list: { name: string; type: string; query: string }[] };
  panels: Panel[];
};
const expressions = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));

/** Every metric name the source registers, read from the code rather than listed by hand. */
function registeredMetricNames(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else for (const match of readFileSync(file, 'utf8').matchAll(/name: '(cdn_[a-z_]+)'/g)) names.add(match[1]!);
    }
  };
  walk('src');
  return names;
}

describe('the Grafana dashboard', () => {
  it('asks for a Prometheus data source and uses it in every panel', () => {
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
    for (const panel of dashboard.panels) expect(panel.datasource.uid, panel.title).toBe('${datasource}');
  });

  it('shows what the issue asks for', () => {
    const titles = dashboard.panels.map((panel) => panel.title.toLowerCase()).join('\n');
    for (const words of ['hit ratio (all edges)', 'hit ratio per edge', 'per edge', 'client country', 'latency', 'offload', 'evictions', 'edge up', 'failovers']) {
      expect(titles).toContain(words);
    }
  });

  it('shows edge functions: invocations by function, trigger and outcome, duration p99, functions per edge', () => {
    const byTitle = (words: string) => dashboard.panels.find((panel) => panel.title.toLowerCase().includes(words));
    const invocations = byTitle('function invocations per second');
    expect(invocations?.targets[0]?.expr).toMatch(/sum by \(function, trigger, outcome\) \(rate\(cdn_edge_function_invocations_total\[/);
    const duration = byTitle('function duration p99');
    expect(duration?.targets.map((target) => target.expr)).toContainEqual(expect.stringMatching(/^histogram_quantile\(0\.99, sum by \(le, function, trigger\) \(rate\(cdn_edge_function_duration_seconds_bucket\[/));
    expect(byTitle('functions per edge')?.targets[0]?.expr).toMatch(/sum by \(edge, function, trigger\)/);
  });

  it('lays the panels out without overlaps, on the 24-column grid', () => {
    const panels = dashboard.panels;
    for (const [i, a] of panels.entries()) {
      expect(a.gridPos.x + a.gridPos.w, a.title).toBeLessThanOrEqual(24);
      for (const b of panels.slice(i + 1)) {
        const apart = a.gridPos.x + a.gridPos.w <= b.gridPos.x || b.gridPos.x + b.gridPos.w <= a.gridPos.x || a.gridPos.y + a.gridPos.h <= b.gridPos.y || b.gridPos.y + b.gridPos.h <= a.gridPos.y;
        expect(apart, `${a.title} overlaps ${b.title}`).toBe(true);
      }
    }
  });

  it('queries only metrics that the processes export', () => {
    const known = registeredMetricNames();
    for (const expr of expressions) {
      for (const [name] of expr.matchAll(/cdn_[a-z_]+/g)) {
        const base = name.replace(/_(bucket|sum|count)$/, '');
        expect(known.has(base), `${name} in ${expr}`).toBe(true);
      }
    }
  });

  it.runIf(shouldRunWith(['promtool'], 'Debian: apt-get install prometheus'))('has valid PromQL in every query (promtool)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-grafana-'));
    try {
      const rules = expressions.map((expr, index) =>
        `      - record: cdnsim:panel_${index}\n        expr: ${JSON.stringify(expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '15m'))}`,
      );
      const file = path.join(dir, 'rules.yml');
      writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
      const check = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8', timeout: 20_000 });
      expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
