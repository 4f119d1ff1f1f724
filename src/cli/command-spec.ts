import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean } from './closest.ts';
import { UsageError } from './usage-error.ts';

type ParseArgsOption = NonNullable<ParseArgsConfig['options']>[string];

/** One option of a command: what node:util parseArgs needs, plus what its usage line says. */
export interface OptionSpec extends ParseArgsOption {
  /** The value's placeholder in the usage ("FILE", "MS"); none for a boolean. */
  arg?: string;
  help: string;
}

/**
 * A command's whole interface in one table: it parses the command line and writes both
 * `cdnsim help` and `cdnsim <command> --help`, so the usage can never omit an option.
 */
export interface CommandSpec<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  /** "edge", or "trace gen" for a subcommand. */
  name: string;
  /** What follows the name in the synopsis ("--origin URL --port P [options]"). */
  synopsis: string;
  /** A few lines on what the command does. */
  about: string;
  options: O;
  /** Placeholder of the positional arguments ("FILE"), when the command takes any. */
  positionals?: string;
}

/** Asked for with --help or -h: printed to stdout, exit 0. */
export class HelpRequested extends Error {
  override name = 'HelpRequested';
  constructor(readonly text: string) {
    super('help requested');
  }
}

export function defineCommand<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

const HELP: OptionSpec = { type: 'boolean', short: 'h', help: 'print this usage and exit' };

/** --help or -h anywhere before a lone "--". */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** Parses with the command's table; --help throws HelpRequested; an unknown option names the closest one. */
export function parseCommand<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>, args: string[]) {
  if (wantsHelp(args)) throw new HelpRequested(formatUsage(spec));
  try {
    return parseArgs({ args, strict: true, allowPositionals: spec.positionals !== undefined, options: spec.options });
  } catch (error) {
    throw explainParseError(error, spec);
  }
}

function explainParseError(error: unknown, spec: CommandSpec): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) return error;
  const message = (error as Error).message;
  const unknown = /^Unknown option '(-{1,2})([^']*)'/.exec(message);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
    const [, dashes, name] = unknown;
    return new UsageError(`Unknown option '${dashes}${name}'${didYouMean(name!, Object.keys(spec.options), '--')} (cdnsim ${spec.name} --help lists them)`);
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return new UsageError(`${message.replace(/\.\s.*$/s, '')}: cdnsim ${spec.name} takes options only`);
  return new UsageError(message);
}

const COLUMN = 34;

/** The usage text of one or more commands (several for a command with two forms, such as sim). */
export function formatUsage(...specs: CommandSpec[]): string {
  return specs.map(formatOne).join('\n\n') + '\n';
}

function formatOne(spec: CommandSpec): string {
  const rows = Object.entries({ ...spec.options, help: HELP }).map(([name, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : '    '}--${name}${option.arg ? ` ${option.arg}` : ''}${option.multiple ? ' ...' : ''}`;
    const help = option.help + (option.default !== undefined && !option.multiple && option.type === 'string' ? ` (default ${option.default})` : '');
    return flag.length > COLUMN - 4 ? `  ${flag}\n${' '.repeat(COLUMN)}${wrap(help)}` : `  ${flag.padEnd(COLUMN - 2)}${wrap(help)}`;
  });
  return `cdnsim ${spec.name} ${spec.synopsis}\n${indent(spec.about, 2)}\n${rows.join('\n')}`;
}

function indent(text: string, spaces: number): string {
  return text
    .split('\n')
    .map((line) => ' '.repeat(spaces) + line)
    .join('\n');
}

/** Continuation lines of a long help text start under its first line. */
function wrap(help: string): string {
  return help.split('\n').join(`\n${' '.repeat(COLUMN)}`);
}
