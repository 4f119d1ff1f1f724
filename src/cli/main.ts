import { readFileSync } from 'node:fs';
import { TopologyError } from '../topology/load.ts';
import { didYouMean } from './closest.ts';
import { COMMANDS } from './command-table.ts';
import { HelpRequested, formatUsage } from './command-spec.ts';
import { UsageError } from './usage-error.ts';

function usage(): string {
  return `usage: cdnsim <command> [options]      cdnsim <command> --help      cdnsim --version

${Object.values(COMMANDS)
  .map((command) => formatUsage(...command.specs))
  .join('\n')}`;
}

/** package.json's version: two folders up from both src/cli/main.ts and dist/cli/main.js. */
function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h') throw new HelpRequested(usage());
  if (name === '--version' || name === '-V' || name === '-v') throw new HelpRequested(`cdnsim ${version()}\n`);
  if (name === 'help') {
    if (args[0] === undefined) throw new HelpRequested(usage());
    throw new HelpRequested(formatUsage(...commandNamed(args[0]).specs));
  }
  const run = await commandNamed(name).load();
  await run(args);
}

function commandNamed(name: string) {
  const command = COMMANDS[name];
  if (command) return command;
  const kind = name.startsWith('-') ? 'option' : 'command';
  throw new UsageError(`unknown ${kind} '${name}'${didYouMean(name, [...Object.keys(COMMANDS), 'help', '--help', '--version'])} (cdnsim --help lists the commands)`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof HelpRequested) {
    process.stdout.write(error.text);
    return;
  }
  if (error instanceof TopologyError) {
    console.error(`invalid topology: ${error.message}`);
    process.exit(2);
  }
  // parseArgs throws errors coded ERR_PARSE_ARGS_* for unknown or malformed flags.
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
    console.error(`cdnsim: ${(error as Error).message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
