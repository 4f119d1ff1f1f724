import { loadTopologyFile } from '../../topology/load.ts';
import { parseCommand } from '../command-spec.ts';
import { validateSpec } from '../options/validate.ts';
import { UsageError } from '../usage-error.ts';

export async function validateCommand(args: string[]): Promise<void> {
  const { positionals } = parseCommand(validateSpec, args);
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError('validate takes exactly one FILE');
  const { topology } = loadTopologyFile(file);
  const origin = topology.origin.url ?? 'built-in store';
  console.log(`${file}: ok (${topology.edges.length} edges, origin: ${origin})`);
}
