import { DEFAULT_COLUMNS, type CsvColumns } from './formats.ts';

/** The fields by the names a user knows them: the default column names. */
const FIELDS = new Map(Object.entries(DEFAULT_COLUMNS).map(([field, name]) => [name, field as keyof CsvColumns]));

/**
 * `--columns key=object_id,size=bytes,client_ip=ip`: which CSV column holds each field, for traces
 * whose header uses other names. Fields are named as the default columns are.
 */
export function parseColumnOption(text: string): Partial<CsvColumns> {
  const columns: Partial<CsvColumns> = {};
  for (const pair of text.split(',')) {
    const match = /^\s*([a-z_]+)\s*=\s*([^=]+?)\s*$/.exec(pair);
    const field = match ? FIELDS.get(match[1]!) : undefined;
    if (!match || !field) {
      throw new RangeError(`--columns takes FIELD=COLUMN pairs, FIELD one of ${[...FIELDS.keys()].join(', ')}; got "${pair}"`);
    }
    columns[field] = match[2]!;
  }
  return columns;
}
