import { readFileSync } from 'node:fs';
import { PURGE_URL_ENV, PURGE_URL_FILE_ENV } from '../../origin/s3/purge-on-write.ts';
import { UsageError } from '../usage-error.ts';

function checkedUrl(text: string, source: string): string {
  try {
    return new URL(text).toString();
  } catch {
    throw new UsageError(`${source} must be a URL like http://127.0.0.1:8080, got "${text}"`);
  }
}

/** Where the origin sends its purges: the URL itself, or read from the file when it first exists. */
export function purgeTargetFromEnv(env: NodeJS.ProcessEnv = process.env): (() => string | undefined) | undefined {
  const url = env[PURGE_URL_ENV];
  if (url) {
    const checked = checkedUrl(url, PURGE_URL_ENV);
    return () => checked;
  }
  const file = env[PURGE_URL_FILE_ENV];
  if (!file) return undefined;
  let known: string | undefined;
  return () => {
    if (known !== undefined) return known;
    let text: string;
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch {
      return undefined;
    }
    try {
      known = new URL(text).toString();
    } catch {
      console.error(`origin: ${file} (${PURGE_URL_FILE_ENV}) does not hold a URL: "${text}"`);
    }
    return known;
  };
}
