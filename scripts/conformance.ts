/**
 * Runs the HTTP cache conformance suite (github.com/http-tests/cache-tests, behind cache-tests.fyi)
 * in shared-cache mode against one standalone edge in front of the suite's own origin, and prints
 * the score per group and in total as the published results count it.
 *
 *   npm run conformance -- --suite /tmp/cache-tests [--id TEST_ID] [--json FILE] [--failures]
 *   npm run conformance -- --suite /tmp/cache-tests --score results/trafficserver.json   (score a saved run)
 *
 * The edge is started once and never restarted: the run fails (exit 1) if it exits before the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { formatScoreTable, loadScorer, type SuiteResults } from './conformance-score.ts';

const RUN_TIMEOUT_MS = 15 * 60_000;
const START_TIMEOUT_MS = 30_000;
/** The suite's origin tells requests apart by these headers: the edge forwards them, as one adds headers to an origin request policy. */
const SUITE_REQUEST_HEADERS = ['Test-ID', 'Req-Num', 'Test-Name'].flatMap((name) => ['--origin-request-header', name]);

const { values } = parseArgs({
  options: {
    suite: { type: 'string' },
    id: { type: 'string' },
    json: { type: 'string' },
    failures: { type: 'boolean', default: false },
    score: { type: 'string', multiple: true },
  },
});
if (!values.suite) {
  console.error('usage: npm run conformance -- --suite DIR [--id TEST_ID] [--json FILE] [--failures]');
  console.error('get the suite: git clone https://github.com/http-tests/cache-tests /tmp/cache-tests && (cd /tmp/cache-tests && npm install)');
  process.exit(2);
}
const suiteDir = resolve(values.suite);
const projectDir = resolve(import.meta.dirname, '..');

if (values.score) {
  // Saved results (the suite's own results/*.json, or --json of an earlier run): score them, run nothing.
  const score = await loadScorer(suiteDir);
  for (const file of values.score) {
    console.log(`${file}:`);
    console.log(formatScoreTable(score(JSON.parse(await readFile(resolve(suiteDir, file), 'utf8')) as SuiteResults)));
  }
  process.exit(0);
}

const originServer = spawn(process.execPath, [join(suiteDir, 'test-engine/server/server.mjs')], {
  cwd: suiteDir,
  // The suite's server reads its settings the way `npm run server --port=N` passes them.
  env: { ...process.env, npm_config_protocol: 'http', npm_config_port: '0', npm_config_pidfile: join('/tmp', `cache-tests-server-${process.pid}.pid`) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let edgeProcess: ChildProcess | undefined;
const stopAll = () => {
  edgeProcess?.kill('SIGTERM');
  originServer.kill('SIGTERM');
};
process.on('SIGINT', () => {
  stopAll();
  process.exit(130);
});

try {
  const originPort = await firstMatch(originServer, /Listening on \w+:\/\/.*:(\d+)\//, 'the suite server');
  const originUrl = `http://127.0.0.1:${originPort}`;
  edgeProcess = spawn(process.execPath, [join(projectDir, 'bin/cdnsim.js'), 'edge', '--id', 'conformance', '--port', '0', '--origin', originUrl, ...SUITE_REQUEST_HEADERS], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const edgeLog: string[] = [];
  for (const stream of [edgeProcess.stdout, edgeProcess.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => edgeLog.push(line));
  }
  let edgeExit: string | undefined;
  const edgeStarted = Date.now();
  edgeProcess.on('exit', (code, signal) => (edgeExit = signal ?? `code ${code}`));
  const edgePort = await announcedPort(edgeProcess);
  const edgeUrl = `http://127.0.0.1:${edgePort}`;
  const edgePid = edgeProcess.pid;
  console.error(`suite origin ${originUrl}, edge ${edgeUrl} (pid ${edgePid})`);

  const cli = spawn(process.execPath, ['--no-warnings', join(suiteDir, 'test-engine/cli.mjs')], {
    cwd: suiteDir,
    // An empty npm_config_id falls through to npm_package_config_id, which npm would set to ''.
    env: { ...process.env, npm_config_base: edgeUrl, npm_config_id: values.id ?? '', npm_package_config_id: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const output = await collect(cli, RUN_TIMEOUT_MS);
  const upSeconds = (Date.now() - edgeStarted) / 1000;

  if (values.id) {
    process.stdout.write(output);
  } else {
    const results = JSON.parse(output) as SuiteResults;
    if (values.json) await writeFile(values.json, JSON.stringify(results, null, 2) + '\n');
    const scores = (await loadScorer(suiteDir))(results);
    console.log(formatScoreTable(scores));
    if (values.failures) {
      for (const score of scores) for (const failure of score.failures) console.log(`  ${failure.verdict} ${score.id} ${failure.id}`);
    }
  }
  if (edgeExit !== undefined) {
    console.log(`edge pid ${edgePid} EXITED (${edgeExit}) during the run; last log lines:`);
    console.log(edgeLog.slice(-20).join('\n'));
    process.exitCode = 1;
  } else {
    console.log(`edge pid ${edgePid} stayed up for the whole run: ${upSeconds.toFixed(1)} s, never restarted`);
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  stopAll();
}

/** Resolves with the first capture group of the first stdout line matching `pattern`. */
function firstMatch(child: ChildProcess, pattern: RegExp, what: string): Promise<string> {
  return new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`${what} exited during start-up (code ${code})`)));
    if (!child.stdout) return reject(new Error(`${what} has no stdout`));
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const match = pattern.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolvePort(match[1]);
      }
    });
  });
}

/** The port a cdnsim component reports over IPC once it listens (src/net/listen.ts announce). */
function announcedPort(child: ChildProcess): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`the edge did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`the edge exited during start-up (code ${code})`)));
    child.on('message', (message: { type?: string; port?: number }) => {
      if (message.type === 'listening' && typeof message.port === 'number') {
        clearTimeout(timer);
        resolvePort(message.port);
      }
    });
  });
}

/** The whole stdout of a child that must exit 0 within `timeoutMs`. */
function collect(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolveOutput, reject) => {
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the suite did not finish within ${timeoutMs / 60_000} min`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolveOutput(Buffer.concat(chunks).toString('utf8'));
      else reject(new Error(`the suite's client exited with code ${code}`));
    });
  });
}
