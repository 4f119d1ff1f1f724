import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const config = path.join(root, '.dependency-cruiser.cjs');
// The package's exports map hides its bin; the path is the one npm links as node_modules/.bin/depcruise.
const depcruise = path.join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** Runs the layer check (what `npm run check:layers` runs) over `folders` of `cwd`. */
function checkLayers(cwd: string, folders: string[]) {
  return spawnSync(process.execPath, [depcruise, ...folders, '--config', config, '--output-type', 'err'], { cwd, encoding: 'utf8', timeout: 60_000 });
}

describe('layers (.dependency-cruiser.cjs)', () => {
  it('finds no import that runs back up a layer, between components, into the CLI, or round between folders', () => {
    const result = checkLayers(root, ['src', 'bench', 'scripts']);
    expect(result.stdout + result.stderr).toMatch(/no dependency violations found/);
    expect(result.status).toBe(0);
  }, 60_000);

  // The same rules over a small tree that breaks each of them once, so a rule that stopped
  // matching (a renamed folder, a typo in a pattern) fails here instead of passing everything.
  const fixture = mkdtempSync(path.join(tmpdir(), 'cdnsim-layers-'));
  afterAll(() => rmSync(fixture, { recursive: true, force: true }));
  const files: Record<string, string> = {
    'src/cache/uses-edge.ts': "import { edge } from '../edge/edge.ts';\nexport const cache = edge;\n",
    'src/edge/edge.ts': "export const edge = 1;\n",
    'src/edge/uses-router.ts': "import { router } from '../router/router.ts';\nexport const e = router;\n",
    'src/router/router.ts': "export const router = 1;\n",
    'src/sim/uses-cli.ts': "import type { Cli } from '../cli/cli.ts';\nexport type S = Cli;\n",
    'src/cli/cli.ts': "export type Cli = number;\n",
    'src/geo/a.ts': "import { b } from './b.ts';\nexport const a = () => b();\n",
    'src/geo/b.ts': "import { a } from './a.ts';\nexport const b = () => a();\n",
    'src/trace/t.ts': "import { m } from '../metrics/m.ts';\nexport const t = m;\n",
    'src/metrics/m.ts': "export const m = 1;\n",
    'src/metrics/uses-trace.ts': "import { t } from '../trace/t.ts';\nexport const u = t;\n",
    'src/net/moved.ts': "import { gone } from './gone.ts';\nexport const n = gone;\n",
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowImportingTsExtensions: true, noEmit: true } }),
  };
  let fixtureResult: ReturnType<typeof checkLayers> | undefined;
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(fixture, file)), { recursive: true });
    writeFileSync(path.join(fixture, file), text);
  }

  it.each([
    ['building-block-imports-runner', 'src/cache/uses-edge.ts → src/edge/edge.ts'],
    ['component-imports-component', 'src/edge/uses-router.ts → src/router/router.ts'],
    ['imports-cli', 'src/sim/uses-cli.ts → src/cli/cli.ts'],
    ['module-cycle', 'src/geo/a.ts → src/geo/b.ts'],
    ['folder-cycle', 'src/metrics → src/trace'],
    ['not-to-unresolvable', 'src/net/moved.ts → ./gone.ts'],
  ])('reports %s (%s)', (rule, where) => {
    const result = (fixtureResult ??= checkLayers(fixture, ['src']));
    expect(result.status).not.toBe(0);
    // A cycle is printed over several lines.
    expect((result.stdout + result.stderr).replace(/\s+/g, ' ')).toContain(`${rule}: ${where}`);
  }, 60_000);
});
