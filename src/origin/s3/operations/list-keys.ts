import { compareKeys, type KeyIndex, type ObjectSummary } from '../key-index.ts';

export interface ListQuery {
  prefix: string;
  delimiter: string | undefined;
  /** List only what sorts after this key or common prefix (start-after, a marker or a continuation token). */
  after: string | undefined;
  maxKeys: number;
}

export interface ListPage {
  contents: ObjectSummary[];
  commonPrefixes: string[];
  truncated: boolean;
  /** The last key or common prefix of the page: the next page lists what sorts after it. */
  last: string | undefined;
}

/**
 * One page of a bucket's keys as S3 lists them: those under `prefix`, keys that hold the
 * delimiter after the prefix rolled up into one common prefix each, at most `maxKeys` keys and
 * prefixes together. A common prefix that sorts at or before `after` was on an earlier page,
 * so keys under it are skipped: that is how a page can end on a common prefix.
 */
export function listKeys(index: KeyIndex, query: ListQuery): ListPage {
  const { prefix, delimiter, after, maxKeys } = query;
  const page: ListPage = { contents: [], commonPrefixes: [], truncated: false, last: undefined };
  let count = 0;
  for (const summary of index.from(after, prefix)) {
    const { key } = summary;
    if (!key.startsWith(prefix)) break;
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    const item = cut === -1 ? key : key.slice(0, cut + delimiter!.length);
    if (cut !== -1 && (item === page.last || (after !== undefined && compareKeys(item, after) <= 0))) continue;
    if (count === maxKeys) {
      page.truncated = true;
      break;
    }
    if (cut === -1) page.contents.push(summary);
    else page.commonPrefixes.push(item);
    page.last = item;
    count++;
  }
  return page;
}
