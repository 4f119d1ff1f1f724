import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/cli/command-table.ts';
import { parseBenchOptions } from '../src/cli/commands/bench-options.ts';
import { parseCapacity } from '../src/cli/commands/edge.ts';
import { durationOption, numberOption, sizeOption } from '../src/cli/option-values.ts';
import { UsageError } from '../src/cli/usage-error.ts';
import { csvTraceLine } from '../src/trace/csv-trace-line.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cdnsim(...args: string[]) {
  return spawnSync(process.execPath, ['bin/cdnsim.js', ...args], { encoding: 'utf8', timeout: 30_000 });
}

/** Exit 2, one line on stderr, no stack trace. */
function expectUsageError(result: ReturnType<typeof cdnsim>, message: RegExp): void {
  expect(result.status).toBe(2);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

/** Each command's --help output, spawned once. */
const helpTexts = new Map<string, ReturnType<typeof cdnsim>>();
function helpOf(name: string): ReturnType<typeof cdnsim> {
  if (!helpTexts.has(name)) helpTexts.set(name, cdnsim(...(name === 'trace' ? ['trace', 'gen'] : [name]), '--help'));
  return helpTexts.get(name)!;
}

const optionsOf = (name: string) => COMMANDS[name]!.specs.flatMap((spec) => Object.keys(spec.options));

describe('cdnsim --help, help and --version', () => {
  it.each(Object.keys(COMMANDS))('cdnsim %s --help prints its usage with every option and exits 0', (name) => {
    const result = helpOf(name);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(new RegExp(`^cdnsim ${name}\\b`));
    for (const option of [...optionsOf(name), 'help']) expect(result.stdout).toContain(`--${option}`);
  });

  it('-h is --help, also after other options', () => {
    const result = cdnsim('bench', '--spawn', '-h');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--duration DURATION');
  });

  it('cdnsim help prints every command with every option; cdnsim help CMD is CMD --help', () => {
    const result = cdnsim('help');
    expect(result.status).toBe(0);
    for (const name of Object.keys(COMMANDS)) {
      expect(result.stdout).toMatch(new RegExp(`^cdnsim ${name}\\b`, 'm'));
      for (const option of optionsOf(name)) expect(result.stdout).toContain(`--${option}`);
    }
    expect(result.stdout).toContain(helpOf('edge').stdout);
    expect(cdnsim('help', 'bench').stdout).toBe(helpOf('bench').stdout);
  });

  it("the README's Commands table shows each command's synopsis as its option table has it", () => {
    const readme = readFileSync('README.md', 'utf8').replaceAll('\\|', '|');
    for (const spec of Object.values(COMMANDS).flatMap((command) => command.specs)) {
      expect(readme).toContain(`\`cdnsim ${spec.name} ${spec.synopsis}\``);
    }
  });

  it('--version and -V print package.json version', () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const result = cdnsim(flag);
      expect(result.status).toBe(0);
      expect(result.stdout).toBe(`cdnsim ${version}\n`);
    }
  });
});

describe('cdnsim: mistakes name the closest valid spelling, in one line, exit 2', () => {
  it('an unknown option', () => {
    expectUsageError(cdnsim('bench', '--spawn', '--durration', '5s'), /Unknown option '--durration'; did you mean '--duration'\?/);
    expectUsageError(cdnsim('edge', '--origin', 'http://127.0.0.1:9', '--port', '0', '--max-sise', '1'), /did you mean '--max-size'\?/);
  });

  it('an unknown command', () => {
    expectUsageError(cdnsim('bnch'), /unknown command 'bnch'; did you mean 'bench'\?/);
    expectUsageError(cdnsim('vaildate', 'topology.json'), /did you mean 'validate'\?/);
    expectUsageError(cdnsim('--verison'), /unknown option '--verison'; did you mean '--version'\?/);
  });

  it('a bad value', () => {
    expectUsageError(cdnsim('edge', '--origin', 'http://127.0.0.1:9', '--port', '0', '--max-size', 'lots'), /--max-size must be a size \(1048576, 64MiB or 1GB\).*got "lots"/);
    expectUsageError(cdnsim('edge', '--origin', 'http://127.0.0.1:9', '--port', '0', '--origin-timeout-ms', '5 parsecs'), /--origin-timeout-ms must be a duration/);
    expectUsageError(cdnsim('origin', '--port', '70000'), /--port must be a whole number within 0\.\.65535, got "70000"/);
  });
});

describe('durations, sizes and numbers: one parser each', () => {
  it('durations take 15, 15s, 500ms, 2m and 1h; a bare number is in the option\'s unit', () => {
    const seconds = (text: string) => durationOption('duration', text, 's', { above: 0 });
    expect([seconds('15'), seconds('15s'), seconds('500ms'), seconds('2m'), seconds('1h'), seconds('1.5s')]).toEqual([15_000, 15_000, 500, 120_000, 3_600_000, 1_500]);
    expect(durationOption('timeout-ms', '500', 'ms', { above: 0 })).toBe(500);
    expect(durationOption('timeout-ms', '2s', 'ms', { above: 0 })).toBe(2000);
    expect(durationOption('timeout-ms', undefined, 'ms', { above: 0 }, 10_000)).toBe(10_000);
    expect(() => seconds('0s')).toThrow(/--duration must be a duration \(15, 15s, 500ms, 2m or 1h\) > 0, got "0s"/);
    expect(() => seconds('2 weeks')).toThrow(UsageError);
    expect(() => seconds('-5s')).toThrow(UsageError);
  });

  it('cdnsim bench takes --duration 15, 15s, 500ms, 2m and --timeout-ms 2s', () => {
    const bench = (...args: string[]) => parseBenchOptions(['--target', 'http://127.0.0.1:8080', ...args]);
    expect(['15', '15s', '500ms', '2m'].map((text) => bench('--duration', text).durationSeconds)).toEqual([15, 15, 0.5, 120]);
    expect(bench('--warmup', '1m').warmupSeconds).toBe(60);
    expect(bench('--timeout-ms', '2s').timeoutMs).toBe(2000);
    expect(bench().durationSeconds).toBe(10);
    expect(() => bench('--duration', '0ms')).toThrow(/--duration must be a duration .* > 0, got "0ms"/);
  });

  it('sizes: MB is 10^6 and MiB 2^20; plain bytes; a bare "k" is refused as ambiguous', () => {
    expect(parseCapacity('64MiB', undefined)).toEqual({ maxSize: 64 * 1024 * 1024 });
    expect(parseCapacity('1GB', undefined)).toEqual({ maxSize: 1e9 });
    expect(parseCapacity('4096', undefined)).toEqual({ maxSize: 4096 });
    expect(parseCapacity(undefined, '10')).toEqual({ maxObjects: 10 });
    expect(sizeOption('max-object-bytes', '16mib', { min: 0 })).toBe(16 * 1024 * 1024);
    expect(() => sizeOption('max-size', '512k', { min: 0 })).toThrow(/--max-size must be a size/);
    expect(() => parseCapacity('0', undefined)).toThrow(/--max-size must be positive/);
  });

  it('numbers say the rule they broke', () => {
    expect(numberOption('alpha', '0.8', { above: 0 })).toBe(0.8);
    expect(() => numberOption('alpha', '0', { above: 0 })).toThrow(/^--alpha must be > 0, got "0"$/);
    expect(() => numberOption('threads', '1.5', { integer: true, min: 1 })).toThrow(/^--threads must be a whole number >= 1, got "1.5"$/);
    expect(() => numberOption('uncacheable', '2', { min: 0, max: 1 })).toThrow(/^--uncacheable must be within 0\.\.1, got "2"$/);
    expect(() => numberOption('seed', '', { integer: true })).toThrow(UsageError);
  });
});

describe('CSV traces: a key the reader would split is refused when writing', () => {
  it('cdnsim trace gen refuses a seed that would put a comma in every key (it wrote a broken CSV)', () => {
    const out = path.join(dir, 'comma.csv');
    expectUsageError(cdnsim('trace', 'gen', '--out', out, '--requests', '3', '--seed', '1,2'), /--seed must be a whole number, got "1,2"/);
  });

  it('the CSV line writer refuses commas, quotes and line breaks in a field, naming the field', () => {
    const row = { timestamp: 0, key: 'a', size: 1, ttl: 60, cacheable: true, country: 'DE', clientIp: '192.0.2.1' };
    expect(csvTraceLine(row)).toBe('0,a,1,60,1,DE,192.0.2.1\n');
    for (const key of ['a,b', 'a"b', 'a\nb', 'a\rb']) {
      expect(() => csvTraceLine({ ...row, key })).toThrow(/key .* cannot be written to a CSV trace/);
    }
  });
});
