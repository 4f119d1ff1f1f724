import { TRACE_FORMATS } from '../../trace/formats.ts';
import type { OptionSpec } from '../command-spec.ts';

/** How a trace file is read: the same three options for sim, sim --topology and bench --trace. */
export const TRACE_READING_OPTIONS = {
  format: { type: 'string', arg: 'FORMAT', help: `${TRACE_FORMATS.join(' | ')} (default: from the file name)` },
  columns: { type: 'string', arg: 'FIELD=COLUMN,...', help: 'which CSV column holds each field, e.g. key=object_id,size=bytes' },
  'skip-bad': { type: 'boolean', default: false, help: 'skip malformed lines (counted) instead of stopping at the first' },
} satisfies Record<string, OptionSpec>;
