import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./helpers/escaping-errors.ts', import.meta.url));

describe('process guard', () => {
  it('logs and counts an escaped exception and an unhandled rejection, and the process keeps running', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { timeout: 20_000 });
    expect(stdout).toMatch(/^cdn_process_uncaught_errors_total 2$/m);
    expect(stderr).toMatch(/uncaught exception, kept running:.*thrown from a timer/s);
    expect(stderr).toMatch(/unhandled rejection, kept running:.*rejected with nobody listening/s);
  });
});
