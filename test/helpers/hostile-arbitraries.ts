import fc from 'fast-check';
import type { BodyEnding, RawResponse } from './raw-origin.ts';

/**
 * fast-check generators for what a hostile or merely sloppy origin and client send: every quirk
 * the conformance suite and the hostile-input run found, mixed at random, plus bytes no HTTP
 * library would produce.
 */

const seconds = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom(600, 86_400, -1, 2 ** 31, 1e20));
const httpDate = fc.constantFrom('Thu, 01 Jan 1970 00:00:00 GMT', 'Sun, 06 Nov 1994 08:49:37 GMT', 'Fri, 01 Jan 2100 00:00:00 GMT');

const cacheControlDirective = fc.oneof(
  seconds.map((s) => `max-age=${s}`),
  seconds.map((s) => `s-maxage=${s}`),
  seconds.map((s) => `stale-while-revalidate=${s}`),
  seconds.map((s) => `stale-if-error=${s}`),
  fc.constantFrom('public', 'private', 'no-store', 'no-cache', 'must-revalidate', 'proxy-revalidate', 'immutable'),
  fc.constantFrom('max-age=', 'max-age="3"', 'max-age=abc', 'no-cache="set-cookie"', ',,', '=', 'max-age=1, max-age=2'),
);
const cacheControl = fc.array(cacheControlDirective, { minLength: 0, maxLength: 3 }).map((list) => list.join(', '));

/** Bytes that are not allowed in a field value, or not ASCII at all. */
const oddBytes = fc.constantFrom('\x01', '\x7f', '\xff', '\xe9', '\t', ' ', '"', '\\');
const oddValue = fc.array(fc.oneof(oddBytes, fc.constantFrom('a', '1', ',', ';', '=')), { maxLength: 8 }).map((parts) => parts.join(''));

const headerLine = fc.oneof(
  cacheControl.map((value) => ['Cache-Control', value] as const),
  cacheControl.map((value) => ['CDN-Cache-Control', value] as const),
  fc.oneof(seconds.map(String), fc.constantFrom('abc', '', '1, 2')).map((value) => ['Age', value] as const),
  fc.oneof(httpDate, fc.constantFrom('0', '-1', 'garbage', '')).map((value) => ['Expires', value] as const),
  fc.oneof(httpDate, fc.constantFrom('yesterday')).map((value) => ['Last-Modified', value] as const),
  fc.oneof(httpDate, fc.constantFrom('')).map((value) => ['Date', value] as const),
  fc.constantFrom('"a"', '"b"', 'W/"a"', 'unquoted', '').map((value) => ['ETag', value] as const),
  fc.constantFrom('accept-encoding', 'Accept-Language, Cookie', '*', 'x-odd', '', ',').map((value) => ['Vary', value] as const),
  fc.constantFrom('close', 'keep-alive', 'x-foo', 'Cache-Control').map((value) => ['Connection', value] as const),
  fc.constantFrom('a=1', 'b=2; Path=/').map((value) => ['Set-Cookie', value] as const),
  fc.constantFrom('tag-a', 'tag-a tag-b', '').map((value) => ['Surrogate-Key', value] as const),
  fc.constantFrom('/f/other', 'http://elsewhere.example/x', '::not a url::').map((value) => ['Location', value] as const),
  fc.constantFrom('bytes 0-0/1', 'bytes */100', 'nonsense').map((value) => ['Content-Range', value] as const),
  fc.constantFrom('text/plain', '').map((value) => ['Content-Type', value] as const),
  oddValue.map((value) => ['X-Odd', value] as const),
);

/** Never 500: the property is that cdnsim itself never answers 500, so the origin must not either. */
const status = fc.constantFrom(200, 200, 200, 203, 204, 206, 301, 304, 404, 410, 501, 502, 503, 599);
const interim = fc.array(fc.constantFrom(100, 103), { maxLength: 2 });

/** How the body length is declared: truthfully, wrongly, twice, or not at all (read to close). */
const framing = fc.constantFrom('length', 'length', 'none', 'chunked', 'bad-chunked', 'too-long', 'two-lengths', 'same-length-twice');

const ending: fc.Arbitrary<BodyEnding> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'whole' as const }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 2000 }).map((bytes) => ({ kind: 'short' as const, bytes })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 2000 }).map((bytes) => ({ kind: 'reset' as const, bytes })) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 400 }).map((ms) => ({ kind: 'stall' as const, ms })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'hang-up' as const }) },
);

export const rawResponse: fc.Arbitrary<RawResponse> = fc
  .record({
    interim,
    status,
    headers: fc.array(headerLine, { maxLength: 8 }),
    bodyBytes: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 4096, max: 300_000 })),
    framing,
    ending,
  })
  .map(({ interim: hints, status: code, headers, bodyBytes, framing: frame, ending: end }) => {
    const body = Buffer.alloc(bodyBytes, 'x');
    const lines = hints.map((hint) => `HTTP/1.1 ${hint} Interim\r\n${hint === 103 ? 'Link: </s.css>; rel=preload\r\n' : ''}\r\n`);
    let head = `HTTP/1.1 ${code} Scripted\r\n`;
    for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
    let payload = body;
    switch (frame) {
      case 'length':
        head += `Content-Length: ${body.length}\r\n`;
        break;
      case 'too-long':
        head += `Content-Length: ${body.length + 100}\r\n`;
        break;
      case 'two-lengths':
        head += `Content-Length: ${body.length}\r\nContent-Length: ${body.length + 1}\r\n`;
        break;
      case 'same-length-twice':
        head += `Content-Length: ${body.length}\r\nContent-Length: ${body.length}\r\n`;
        break;
      case 'chunked':
        head += 'Transfer-Encoding: chunked\r\n';
        payload = Buffer.from(`${body.length.toString(16)}\r\n${body.toString('latin1')}\r\n0\r\n\r\n`, 'latin1');
        if (body.length === 0) payload = Buffer.from('0\r\n\r\n');
        break;
      case 'bad-chunked':
        head += 'Transfer-Encoding: chunked\r\n';
        payload = Buffer.from(`zz\r\n${body.toString('latin1').slice(0, 10)}\r\n`, 'latin1');
        break;
      case 'none':
        break;
    }
    return { head: Buffer.from(lines.join('') + head + '\r\n', 'latin1'), body: payload, ending: end };
  });

const requestHeader = fc.oneof(
  fc.constantFrom('no-cache', 'max-age=0', 'only-if-cached', 'max-stale', 'no-store', 'min-fresh=5').map((v) => `Cache-Control: ${v}`),
  fc.constant('Pragma: no-cache'),
  fc.constantFrom('"a"', '*', 'W/"b"', 'garbage').map((v) => `If-None-Match: ${v}`),
  fc.constantFrom('Thu, 01 Jan 1970 00:00:00 GMT', 'garbage').map((v) => `If-Modified-Since: ${v}`),
  fc.constantFrom('bytes=0-10', 'bytes=5-', 'bytes=-3', 'bytes=0-1,3-4', 'bytes=100000-', 'pages=1', 'bytes=x').map((v) => `Range: ${v}`),
  fc.constant('Authorization: Bearer someone'),
  fc.constant('Cookie: session=1'),
  fc.constantFrom('gzip', 'br, gzip', '').map((v) => `Accept-Encoding: ${v}`),
  fc.constant('Expect: 100-continue'),
  fc.constantFrom('1.2.3.4', 'garbage', '::1, 10.0.0.1', '').map((v) => `X-Forwarded-For: ${v}`),
  fc.constantFrom('JP', 'ZZ', '91,181', 'x').map((v) => `X-Client-Geo: ${v}`),
  fc.constantFrom('evil.example', '').map((v) => `X-Forwarded-Host: ${v}`),
  fc.constantFrom('trailers', 'gzip').map((v) => `TE: ${v}`),
  oddValue.map((v) => `X-Odd: ${v}`),
);

export interface HostileRequest {
  method: string;
  query: string;
  headers: string[];
  body: string | undefined;
}

export const hostileRequest: fc.Arbitrary<HostileRequest> = fc.record({
  method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'POST', 'OPTIONS', 'DELETE'),
  query: fc.constantFrom('', '?a=1', '?%zz', '?a=1&a=2'),
  headers: fc.array(requestHeader, { maxLength: 4 }),
  body: fc.option(fc.constantFrom('hello', '5\r\nhello\r\nZZ\r\n\r\n'), { nil: undefined }),
});

/** The request's bytes, always asking the server to close when done, so the reader knows the end. */
export function requestBytes(path: string, request: HostileRequest): string {
  let text = `${request.method} ${path}${request.query} HTTP/1.1\r\nHost: fuzz.test\r\nConnection: close\r\n`;
  for (const line of request.headers) text += `${line}\r\n`;
  if (request.body !== undefined && request.method !== 'GET' && request.method !== 'HEAD') {
    if (request.body.includes('\r\n')) text += `Transfer-Encoding: chunked\r\n\r\n${request.body}`;
    else text += `Content-Length: ${request.body.length}\r\n\r\n${request.body}`;
  } else {
    text += '\r\n';
  }
  return text;
}
