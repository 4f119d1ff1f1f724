import type { IncomingHttpHeaders } from 'node:http';
import { MAX_SKEW_MS, accessDenied, requestTimeTooSkewed } from './auth-errors.ts';
import { formatAmzDate, parseAmzDate } from './amz-date.ts';

/** The time a header-signed request says it was signed (x-amz-date, else Date), within S3's 15 minutes of now. */
export function headerRequestTime(headers: IncomingHttpHeaders, now: number): { amzDate: string; ms: number } {
  const amz = headers['x-amz-date'];
  let ms: number | undefined;
  let amzDate: string | undefined;
  if (typeof amz === 'string') {
    ms = parseAmzDate(amz);
    amzDate = amz;
  } else if (typeof headers.date === 'string') {
    const parsed = Date.parse(headers.date);
    if (Number.isFinite(parsed)) {
      ms = parsed;
      amzDate = formatAmzDate(parsed);
    }
  }
  if (ms === undefined || amzDate === undefined) throw accessDenied('AWS authentication requires a valid Date or x-amz-date header');
  if (Math.abs(now - ms) > MAX_SKEW_MS) throw requestTimeTooSkewed(amzDate, now);
  return { amzDate, ms };
}
