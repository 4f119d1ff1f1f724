import { loadTopologyFile } from '../../topology/load.ts';
import { UsageError } from '../usage-error.ts';


export async function validateCommand(args: string[]): Promise<void> {
  const file = args[0];
  if (!file || args.length > 1) throw new UsageError('validate takes exactly one FILE');
  const { topology } = loadTopologyFile(file);
  const origin = topology.origin.url ?? 'built-in store';
  console.log(`${file}: ok (${topology.edges.length} edges, origin: ${origin})`);
}
