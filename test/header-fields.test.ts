import { describe, expect, it } from 'vitest';
import { ALREADY_EXPIRED, combineFieldLines, combinedOrThrow, InvalidResponseHeadError } from '../src/http/header-fields.ts';

describe('combineFieldLines (RFC 9110 section 5.3)', () => {
  it('joins list-based fields, keeps Set-Cookie as lines, leaves single values alone', () => {
    expect(
      combineFieldLines({
        'cache-control': ['public', ' max-age=60 '],
        vary: ['accept', 'accept-encoding'],
        'x-unknown': ['a', 'b'],
        'set-cookie': ['a=1', 'b=2'],
        'content-type': 'text/plain',
        missing: undefined,
      }),
    ).toEqual({
      ok: true,
      headers: {
        'cache-control': 'public, max-age=60',
        vary: 'accept, accept-encoding',
        'x-unknown': 'a, b',
        'set-cookie': ['a=1', 'b=2'],
        'content-type': 'text/plain',
      },
    });
  });

  it('handles repeated singletons as the RFCs say for invalid duplicates', () => {
    const headers = combinedOrThrow({
      age: ['30', '90'],
      expires: ['Thu, 01 Jan 2099 00:00:00 GMT', 'Fri, 02 Jan 2099 00:00:00 GMT'],
      etag: ['"a"', '"b"'],
      'last-modified': ['Thu, 01 Jan 2015 00:00:00 GMT', 'Fri, 02 Jan 2015 00:00:00 GMT'],
      date: ['Thu, 01 Jan 2015 00:00:00 GMT', 'Thu, 01 Jan 2015 00:00:00 GMT'],
      location: ['/a', '/b'],
    });
    expect(headers).toEqual({ age: '30', expires: ALREADY_EXPIRED, date: 'Thu, 01 Jan 2015 00:00:00 GMT' });
    expect(combinedOrThrow({ age: '12, 40' })).toEqual({ age: '12' });
    expect(combinedOrThrow({ etag: ['"s"', '"s"'] })).toEqual({ etag: '"s"' });
  });

  it('collapses agreeing Content-Length values and refuses differing ones (RFC 9112 section 6.3)', () => {
    expect(combinedOrThrow({ 'content-length': ['5', '5'] })).toEqual({ 'content-length': '5' });
    expect(combinedOrThrow({ 'content-length': '5, 5' })).toEqual({ 'content-length': '5' });
    expect(combineFieldLines({ 'content-length': ['5', '6'] })).toEqual({ ok: false, problem: '2 differing content-length values' });
    expect(() => combinedOrThrow({ 'content-range': ['bytes 0-1/5', 'bytes 0-2/5'] })).toThrow(InvalidResponseHeadError);
  });
});
