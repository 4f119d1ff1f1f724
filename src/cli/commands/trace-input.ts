import { accessSync, constants } from 'node:fs';
import { parseColumnOption } from '../../trace/column-option.ts';
import { TRACE_FORMATS, type CsvColumns, type TraceFormat } from '../../trace/formats.ts';
import { choiceOption } from '../option-values.ts';
import { UsageError } from '../usage-error.ts';

/** --trace FILE, required and readable: checked before any work starts. */
export function readableTrace(file: string | undefined): string {
  if (!file) throw new UsageError('--trace FILE is required');
  try {
    accessSync(file, constants.R_OK);
  } catch {
    throw new UsageError(`cannot read trace file "${file}"`);
  }
  return file;
}

/** --format, --columns and --skip-bad (the TRACE_READING_OPTIONS), checked. */
export function traceReading(values: { format?: string; columns?: string; 'skip-bad': boolean }): { format?: TraceFormat; columns?: Partial<CsvColumns>; skipBad: boolean } {
  let columns;
  try {
    columns = values.columns === undefined ? undefined : parseColumnOption(values.columns);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return { format: choiceOption('format', values.format, TRACE_FORMATS), columns, skipBad: values['skip-bad'] };
}
