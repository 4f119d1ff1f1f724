import { BenchInputError } from '../../loadgen/bench-input-error.ts';
import { runBench } from '../../loadgen/run-bench.ts';
import { UsageError } from '../usage-error.ts';
import { parseBenchOptions } from './bench-options.ts';
import { emitReport } from './report-output.ts';

export async function benchCommand(args: string[]): Promise<void> {
  try {
    const options = parseBenchOptions(args);
    const { report, stats, note } = await runBench(options, (line) => process.stderr.write(`${line}\n`));
    emitReport(report, stats, options.out, note);
  } catch (error) {
    if (error instanceof BenchInputError) throw new UsageError(error.message);
    throw error;
  }
}
