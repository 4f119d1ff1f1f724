import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

/** One test of the suite, as its tests/index.mjs describes it (only the fields scoring reads). */
interface SuiteTest {
  id: string;
  kind?: 'required' | 'optimal' | 'check';
  browser_only?: boolean;
}

interface SuiteGroup {
  id: string;
  name: string;
  tests: SuiteTest[];
}

/** The suite's raw results: test id -> true, or [error kind, message]. */
export type SuiteResults = Record<string, unknown>;

type DetermineResult = (groups: SuiteGroup[], id: string, results: SuiteResults, honorDependencies?: boolean) => unknown;

export interface GroupScore {
  id: string;
  passed: number;
  total: number;
  /** Scored tests that did not pass, with the suite's verdict symbol. */
  failures: { id: string; verdict: string }[];
}

/**
 * Scores results as cache-tests.fyi does: a shared cache runs every test but the browser-only
 * ones, "check" tests are informational and not counted, and a test counts as passed only if it
 * passed and so did every test it depends on. The suite's own result logic is loaded from its
 * directory at run time, so the score is the published one by construction.
 */
export async function loadScorer(suiteDir: string): Promise<(results: SuiteResults) => GroupScore[]> {
  const groups = (await import(pathToFileURL(join(suiteDir, 'tests/index.mjs')).href)).default as SuiteGroup[];
  const lib = (await import(pathToFileURL(join(suiteDir, 'test-engine/lib/results.mjs')).href)) as {
    determineTestResult: DetermineResult;
    resultTypes: Record<string, unknown>;
  };
  const passed = lib.resultTypes['pass'];
  return (results) =>
    groups.map((group) => {
      const scored = group.tests.filter((test) => !test.browser_only && test.kind !== 'check');
      const failures: GroupScore['failures'] = [];
      for (const test of scored) {
        const verdict = lib.determineTestResult(groups, test.id, results, true);
        if (verdict !== passed) failures.push({ id: test.id, verdict: String((verdict as unknown[])[2]) });
      }
      return { id: group.id, passed: scored.length - failures.length, total: scored.length, failures };
    });
}

export function formatScoreTable(scores: GroupScore[]): string {
  const width = Math.max(...scores.map((score) => score.id.length), 'total'.length);
  const lines = scores.filter((score) => score.total > 0).map((score) => `${score.id.padEnd(width)}  ${String(score.passed).padStart(3)} / ${score.total}`);
  const passed = scores.reduce((sum, score) => sum + score.passed, 0);
  const total = scores.reduce((sum, score) => sum + score.total, 0);
  lines.push(`${'total'.padEnd(width)}  ${String(passed).padStart(3)} / ${total}`);
  return lines.join('\n');
}
