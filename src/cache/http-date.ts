const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`, 'i');
const RFC850_DATE = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`, 'i');
const ASCTIME_DATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`, 'i');

/**
 * An HTTP-date (RFC 9110 section 5.6.7) in ms since the epoch, or NaN for anything else: the
 * preferred IMF-fixdate and the two obsolete forms, exactly. Date.parse accepts far more (other
 * zones, missing commas, one-digit hours), which RFC 9111 section 5.3 says to treat as invalid.
 * A two-digit year more than 50 years after `now` is taken as the last century's. Names are matched
 * without regard to case, as most caches do, though the grammar spells them one way.
 */
export function parseHttpDate(value: string, now: number): number {
  let match = IMF_FIXDATE.exec(value);
  if (match) return utc(Number(match[3]), match[2], match[1], match.slice(4));
  match = RFC850_DATE.exec(value);
  if (match) {
    const thisYear = new Date(now).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(match[3]);
    if (year > thisYear + 50) year -= 100;
    return utc(year, match[2], match[1], match.slice(4));
  }
  match = ASCTIME_DATE.exec(value);
  if (match) return utc(Number(match[6]), match[1], match[2], match.slice(3, 6));
  return NaN;
}

function utc(year: number, monthName: string | undefined, dayText: string | undefined, time: (string | undefined)[]): number {
  const month = MONTHS.findIndex((name) => name.toLowerCase() === monthName?.toLowerCase());
  const day = Number(dayText);
  const [hours, minutes, seconds] = time.map(Number) as [number, number, number];
  if (hours > 23 || minutes > 59 || seconds > 60) return NaN;
  const ms = Date.UTC(year, month, day, hours, minutes, Math.min(seconds, 59));
  // Rejects 31 Feb and the like, which Date.UTC would roll over into the next month.
  return new Date(ms).getUTCDate() === day ? ms : NaN;
}
