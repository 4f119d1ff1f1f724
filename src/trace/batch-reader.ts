import { CsvLines } from './csv-lines.ts';
import { formatFromName } from './formats.ts';
import { readTextTrace } from './line-parser.ts';
import { readOracleGeneral } from './oracle-general.ts';
import type { ReadBatchesOptions, TraceBatch } from './trace-batch.ts';
import { WebcachesimLines } from './webcachesim-lines.ts';

/** Streams a trace from disk in batches, never holding more than a chunk of the file. */
export function readTraceBatches(file: string, options: ReadBatchesOptions = {}): AsyncGenerator<TraceBatch> {
  const format = options.format ?? formatFromName(file);
  if (format === 'oracle-general') return readOracleGeneral(file, options.details ?? false);
  return readTextTrace(file, format === 'csv' ? new CsvLines(file, options) : new WebcachesimLines(file, options));
}
