import { checkFunction } from '../../functions/load.ts';
import { functionSpecOf, loadTopologyFile, TopologyError } from '../../topology/load.ts';
import { parseCommand } from '../command-spec.ts';
import { validateSpec } from '../options/validate.ts';
import { UsageError } from '../usage-error.ts';

export async function validateCommand(args: string[]): Promise<void> {
  const { positionals } = parseCommand(validateSpec, args);
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError('validate takes exactly one FILE');
  const loaded = loadTopologyFile(file);
  const { topology } = loaded;
  // Each function's file: it exists, compiles in its sandbox and keeps to its profile's limits.
  for (const [index, config] of topology.functions.entries()) {
    const problems = await checkFunction(functionSpecOf(config, loaded.baseDir));
    const first = problems[0];
    if (first) throw new TopologyError(file, `functions[${index}].${first.field}`, problems.map((problem) => problem.message).join('; '));
  }
  const origin = topology.origin.url ?? 'built-in store';
  const functions = topology.functions.length > 0 ? `, ${topology.functions.length} functions` : '';
  console.log(`${file}: ok (${topology.edges.length} edges, origin: ${origin}${functions})`);
}
