// The cloudfront-js runtime in its real QuickJS sandbox: event shape, result folding, the limits
// (compute budget, memory, code size, triggers) and what the global scope lacks.
import { describe, expect, it } from 'vitest';
import type { CloudFrontFunctionsEvent } from 'aws-lambda';
import type { FunctionRequest, FunctionSpec, Invocation, InvocationResult, LoadedFunction, Trigger } from '../src/functions/types.ts';
import { checkCloudFrontSource, loadCloudFrontFunction, type CloudFrontRuntimeOptions } from '../src/functions/cloudfront-js/runtime.ts';
import { cloudFrontFunctionsEvent } from '../src/functions/cloudfront-js/event.ts';
import { CODE_MAX_BYTES } from '../src/functions/cloudfront-js/limits.ts';

function spec(triggers: Trigger[] = ['viewer-request']): FunctionSpec {
  return { id: 'test-fn', file: '/nowhere/test-fn.js', runtime: 'cloudfront-js', triggers };
}

function request(overrides: Partial<FunctionRequest> = {}): FunctionRequest {
  return {
    method: 'GET',
    uri: '/docs/',
    querystring: '',
    headers: { host: ['cdn.cdnsim.test'], accept: ['text/html'] },
    clientIp: '198.51.100.7',
    ...overrides,
  };
}

function viewerRequest(req: FunctionRequest = request()): Invocation {
  return { trigger: 'viewer-request', request: req, context: { edgeId: 'fra', requestId: 'req-1' } };
}

async function load(source: string, options: CloudFrontRuntimeOptions = {}, triggers?: Trigger[]): Promise<LoadedFunction> {
  return loadCloudFrontFunction(spec(triggers), source, 1, { log: () => {}, ...options });
}

async function runOnce(source: string, invocation: Invocation = viewerRequest(), triggers?: Trigger[]): Promise<InvocationResult> {
  const fn = await load(source, {}, triggers);
  try {
    return await fn.invoke(invocation);
  } finally {
    await fn.close();
  }
}

function expectFailure(result: InvocationResult, reason: string): string {
  if (result.kind !== 'failure') throw new Error(`expected a ${reason} failure, got ${JSON.stringify(result)}`);
  expect(result.reason).toBe(reason);
  return result.message;
}

describe('cloudfront-js event', () => {
  it('has the CloudFront Functions shape, with cookies and repeated names collapsed', () => {
    const event = cloudFrontFunctionsEvent({
      trigger: 'viewer-response',
      request: request({ querystring: 'a=1&b&a=%E5%AE%B6', headers: { host: ['h'], cookie: ['x=1; y=2', 'x=3'] } }),
      response: { status: 200, statusDescription: 'OK', headers: { 'content-type': ['text/plain'], 'set-cookie': ['id=7; Path=/', 'id=8'] } },
      context: { edgeId: 'fra', requestId: 'req-9' },
    });
    // The same value typed as @types/aws-lambda's event: a compile-time check that the shapes agree.
    const typed: CloudFrontFunctionsEvent = event as CloudFrontFunctionsEvent & typeof event;
    expect(typed.context).toEqual({ distributionDomainName: 'fra.cdnsim.test', distributionId: 'FRA', eventType: 'viewer-response', requestId: 'req-9' });
    expect(event.version).toBe('1.0');
    expect(event.viewer).toEqual({ ip: '198.51.100.7' });
    expect(event.request.querystring).toEqual({
      a: { value: '1', multiValue: [{ value: '1' }, { value: '%E5%AE%B6' }] },
      b: { value: '' },
    });
    expect(event.request.headers).toEqual({ host: { value: 'h' } });
    expect(event.request.cookies).toEqual({ x: { value: '1', multiValue: [{ value: '1' }, { value: '3' }] }, y: { value: '2' } });
    expect(event.response).toEqual({
      statusCode: 200,
      statusDescription: 'OK',
      headers: { 'content-type': { value: 'text/plain' } },
      cookies: { id: { value: '7', attributes: 'Path=/', multiValue: [{ value: '7', attributes: 'Path=/' }, { value: '8' }] } },
    });
  });

  it('refuses origin triggers', () => {
    expect(() =>
      cloudFrontFunctionsEvent({ trigger: 'origin-request', request: request(), context: { edgeId: 'fra', requestId: 'r' } }),
    ).toThrow(/viewer triggers only/);
  });
});

describe('cloudfront-js runtime: results', () => {
  it('rewrites the uri and adds a header, keeping the rest of the request', async () => {
    const result = await runOnce(`function handler(event) {
      var r = event.request;
      r.uri = r.uri + 'index.html';
      r.headers['x-rewritten'] = { value: 'yes' };
      return r;
    }`);
    expect(result).toEqual({
      kind: 'request',
      request: { ...request(), uri: '/docs/index.html', headers: { ...request().headers, 'x-rewritten': ['yes'] } },
    });
  });

  it('answers at the edge with a generated redirect', async () => {
    const result = await runOnce(`function handler(event) {
      return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: 'https://example.test' + event.request.uri } } };
    }`);
    expect(result).toEqual({ kind: 'response', response: { status: 302, statusDescription: 'Found', headers: { location: ['https://example.test/docs/'] } } });
  });

  it('gives back the exact query string and cookies when they are untouched', async () => {
    const req = request({ querystring: 'b&a=%20x&a=2', headers: { host: ['h'], cookie: ['s=1;  t=2', 's=3'] } });
    const result = await runOnce('function handler(event) { return event.request; }', viewerRequest(req));
    expect(result).toEqual({ kind: 'request', request: req });
  });

  it('folds changed query parameters and cookies back (multiValue rules)', async () => {
    const req = request({ querystring: 'a=1&a=2&drop=x', headers: { host: ['h'], cookie: ['s=1; t=2; t=3'] } });
    const result = await runOnce(
      `function handler(event) {
        var r = event.request;
        r.querystring.a.value = '9';            // value changed, multiValue untouched: only the first changes
        delete r.querystring.drop;
        r.querystring.added = { value: 'new' };
        r.cookies.t.multiValue = [{ value: '4' }]; // multiValue changed: it replaces every value
        r.cookies.variant = { value: 'b' };
        return r;
      }`,
      viewerRequest(req),
    );
    if (result.kind !== 'request') throw new Error(JSON.stringify(result));
    expect(result.request.querystring).toBe('a=9&a=2&added=new');
    expect(result.request.headers['cookie']).toEqual(['s=1; t=4; variant=b']);
  });

  it('round-trips response cookies on viewer-response and adds Set-Cookie lines', async () => {
    const invocation: Invocation = {
      trigger: 'viewer-response',
      request: request(),
      response: { status: 200, headers: { 'content-type': ['text/html'], 'set-cookie': ['id=7; Path=/'] } },
      context: { edgeId: 'fra', requestId: 'r' },
    };
    const untouched = await runOnce('function handler(event) { return event.response; }', invocation, ['viewer-response']);
    expect(untouched).toEqual({ kind: 'response', response: invocation.response });
    const added = await runOnce(
      `function handler(event) {
        var res = event.response;
        res.cookies.variant = { value: 'a', attributes: 'Path=/; Max-Age=60' };
        res.headers['x-frame-options'] = { value: 'DENY' };
        return res;
      }`,
      invocation,
      ['viewer-response'],
    );
    expect(added).toEqual({
      kind: 'response',
      response: { status: 200, headers: { 'content-type': ['text/html'], 'x-frame-options': ['DENY'], 'set-cookie': ['id=7; Path=/', 'variant=a; Path=/; Max-Age=60'] } },
    });
  });

  it('accepts a base64 body and a runtime-2.0 async handler', async () => {
    const result = await runOnce(`async function handler(event) {
      return { statusCode: 200, body: { encoding: 'base64', data: 'aGk=' } };
    }`);
    expect(result).toEqual({ kind: 'response', response: { status: 200, headers: {}, body: 'aGk=', bodyEncoding: 'base64' } });
  });

  it('passes console.log to the log sink', async () => {
    const lines: string[] = [];
    const fn = await load('function handler(event) { console.log("uri", event.request.uri, { n: 1 }); return event.request; }', { log: (line) => lines.push(line) });
    await fn.invoke(viewerRequest());
    await fn.close();
    expect(lines).toEqual(['uri /docs/ {"n":1}']);
  });
});

describe('cloudfront-js runtime: failures', () => {
  it('a thrown error is an error naming it', async () => {
    const message = expectFailure(await runOnce('function handler(event) {\n  throw new TypeError("nope");\n}'), 'error');
    expect(message).toMatch(/TypeError: nope/);
  });

  it('invalid results name what is wrong', async () => {
    expect(expectFailure(await runOnce('function handler(event) { }'), 'invalid-result')).toMatch(/returned undefined/);
    expect(expectFailure(await runOnce('function handler(e) { e.request.uri = "docs"; return e.request; }'), 'invalid-result')).toMatch(/request\.uri/);
    expect(expectFailure(await runOnce('function handler(e) { e.request.headers["X-Up"] = { value: "1" }; return e.request; }'), 'invalid-result')).toMatch(
      /request\.headers\["X-Up"\]: a header name must be a lowercase/,
    );
    expect(expectFailure(await runOnce('function handler(e) { e.request.headers.a = { value: 5 }; return e.request; }'), 'invalid-result')).toMatch(
      /request\.headers\.a\.value must be a string, not number 5/,
    );
    expect(expectFailure(await runOnce('function handler(e) { e.request.headers.a = { value: "x\\r\\nEvil: 1" }; return e.request; }'), 'invalid-result')).toMatch(/control characters/);
    expect(expectFailure(await runOnce('function handler(e) { e.request.method = "POST"; return e.request; }'), 'invalid-result')).toMatch(/read-only/);
    expect(expectFailure(await runOnce('function handler(e) { return { statusCode: 99 }; }'), 'invalid-result')).toMatch(/statusCode/);
    expect(expectFailure(await runOnce('function handler(e) { var o = {}; o.self = o; return o; }'), 'invalid-result')).toMatch(/cannot be serialized/);
    expect(expectFailure(await runOnce('function handler(e) { e.request.body = { data: "x" }; return e.request; }'), 'invalid-result')).toMatch(
      /the request object has unexpected field "body"/,
    );
  });

  it('a viewer-response function cannot set the body', async () => {
    const invocation: Invocation = { trigger: 'viewer-response', request: request(), response: { status: 200, headers: {} }, context: { edgeId: 'fra', requestId: 'r' } };
    const message = expectFailure(await runOnce('function handler(e) { e.response.body = "replaced"; return e.response; }', invocation, ['viewer-response']), 'invalid-result');
    expect(message).toMatch(/response\.body/);
  });

  it('a generated response over 40 KB is a size failure', async () => {
    const message = expectFailure(await runOnce('function handler(e) { return { statusCode: 200, body: "x".repeat(41 * 1024) }; }'), 'size');
    expect(message).toMatch(/40960/);
  });

  it('an infinite loop times out within its budget, and the next invocation works', async () => {
    const fn = await load(
      `var calls = 0;
      function handler(event) {
        calls++;
        if (event.request.uri === '/loop') { for (;;) {} }
        event.request.headers['x-calls'] = { value: String(calls) };
        return event.request;
      }`,
      { computeBudgetMs: 20 },
    );
    try {
      const started = performance.now();
      const looped = await fn.invoke(viewerRequest(request({ uri: '/loop' })));
      const elapsed = performance.now() - started;
      expect(expectFailure(looped, 'timeout')).toMatch(/compute budget of 20 ms of CPU/);
      // 20 ms of CPU, or at worst the 2 s wall-clock safety net on a starved machine.
      expect(elapsed).toBeLessThan(2500);
      const next = await fn.invoke(viewerRequest());
      if (next.kind !== 'request') throw new Error(JSON.stringify(next));
      // The runtime was rebuilt from the code after the breach, so its globals start over.
      expect(next.request.headers['x-calls']).toEqual(['1']);
    } finally {
      await fn.close();
    }
  });

  it('a loop that catches the interrupt is still stopped', async () => {
    const result = await runOnce('function handler(e) { for (;;) { try { for (;;) {} } catch (err) {} } }');
    expectFailure(result, 'timeout');
  });

  it('a run of few but costly native steps is over budget even though the interrupt never came', async () => {
    const fn = await load('function handler(e) { var s = ""; for (var i = 0; i < 3; i++) s = "y".repeat(1500000 + i); e.request.headers.n = { value: String(s.length) }; return e.request; }', {
      computeBudgetMs: 1,
    });
    try {
      expectFailure(await fn.invoke(viewerRequest()), 'timeout');
    } finally {
      await fn.close();
    }
  });

  it('a memory bomb fails with memory, and the next invocation works', async () => {
    const fn = await load(`var hoard = [];
      function handler(event) {
        if (event.request.uri === '/bomb') { for (;;) hoard.push({ n: hoard.length }); }
        return event.request;
      }`,
      // Room enough in time that the heap, not the clock, is the limit reached.
      { computeBudgetMs: 10_000 },
    );
    try {
      expect(expectFailure(await fn.invoke(viewerRequest(request({ uri: '/bomb' }))), 'memory')).toMatch(/2 MB/);
      expect((await fn.invoke(viewerRequest())).kind).toBe('request');
    } finally {
      await fn.close();
    }
  });

  it("a function stuck in native work is stopped by the watchdog, without holding up the edge's thread; other functions go on", async () => {
    const other = await load('function handler(e) { e.request.headers.other = { value: "1" }; return e.request; }');
    // Each String.repeat is one long native step: QuickJS's interrupt checks come too seldom to stop it.
    const stuck = await load('function handler(e) { var s; for (;;) s = "y".repeat(1900000); }', { computeBudgetMs: 2 });
    try {
      let ticks = 0;
      const interval = setInterval(() => ticks++, 10);
      const started = performance.now();
      const result = await stuck.invoke(viewerRequest());
      clearInterval(interval);
      expect(expectFailure(result, 'timeout')).toMatch(/compute budget|wall-clock/);
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(ticks).toBeGreaterThan(5);
      const after = await other.invoke(viewerRequest());
      if (after.kind !== 'request') throw new Error(JSON.stringify(after));
      expect(after.request.headers['other']).toEqual(['1']);
    } finally {
      await stuck.close();
      await other.close();
    }
  });

  it('a few large strings that QuickJS does not count are caught by the thread memory ceiling', async () => {
    const fn = await load(
      'var keep = []; function handler(e) { if (e.request.uri === "/grow") for (var i = 0; i < 24; i++) keep.push("y".repeat(1900000) + i); return e.request; }',
      { computeBudgetMs: 20_000 },
    );
    try {
      expect(expectFailure(await fn.invoke(viewerRequest(request({ uri: '/grow' }))), 'memory')).toMatch(/32 MB/);
      expect((await fn.invoke(viewerRequest())).kind).toBe('request');
    } finally {
      await fn.close();
    }
  });

  it('one big allocation fails with memory', async () => {
    expectFailure(await runOnce('function handler(e) { var a = new Array(4 * 1024 * 1024).fill(1); return e.request; }'), 'memory');
  });

  it('invoke after close fails with error', async () => {
    const fn = await load('function handler(e) { return e.request; }');
    await fn.close();
    expectFailure(await fn.invoke(viewerRequest()), 'error');
  });
});

describe('cloudfront-js runtime: sandbox globals', () => {
  it('has no network, modules, timers, process or dynamic code evaluation', async () => {
    const result = await runOnce(`function handler(event) {
      var seen = [typeof fetch, typeof require, typeof setTimeout, typeof setInterval, typeof process, typeof eval, typeof XMLHttpRequest, typeof module];
      var ctor = 'refused';
      try { (function () {}).constructor('return 1')(); ctor = 'ran'; } catch (e) { ctor = e.name; }
      var fnCtor = 'refused';
      try { Function('return 1')(); fnCtor = 'ran'; } catch (e) { fnCtor = e.name; }
      return { statusCode: 200, headers: { seen: { value: seen.join(',') }, ctor: { value: ctor }, fn: { value: fnCtor } } };
    }`);
    if (result.kind !== 'response') throw new Error(JSON.stringify(result));
    expect(result.response.headers['seen']).toEqual([Array(8).fill('undefined').join(',')]);
    expect(result.response.headers['ctor']).toEqual(['EvalError']);
    expect(result.response.headers['fn']).toEqual(['EvalError']);
  });
});

describe('checkCloudFrontSource', () => {
  it('accepts a good function', async () => {
    expect(await checkCloudFrontSource('function handler(event) { return event.request; }', ['viewer-request', 'viewer-response'])).toEqual([]);
  });

  it('refuses code over 10 KB', async () => {
    const source = `function handler(event) { return event.request; }\n//${'x'.repeat(CODE_MAX_BYTES)}`;
    expect(await checkCloudFrontSource(source, ['viewer-request'])).toEqual([expect.stringMatching(/over CloudFront Functions' 10240/)]);
    await expect(loadCloudFrontFunction(spec(), source, 1)).rejects.toThrow(/10240/);
  });

  it('refuses origin triggers', async () => {
    const problems = await checkCloudFrontSource('function handler(e) { return e.request; }', ['viewer-request', 'origin-request']);
    expect(problems).toEqual(['cloudfront-js runs on viewer triggers only (viewer-request, viewer-response), not origin-request']);
  });

  it('refuses a syntax error, naming the line', async () => {
    expect(await checkCloudFrontSource('function handler(event) {\n  return event.request +;\n}', ['viewer-request'])).toEqual([
      expect.stringMatching(/^does not parse: .*line 2/),
    ]);
  });

  it('refuses code without a handler function', async () => {
    expect(await checkCloudFrontSource('function main(event) { return event.request; }', ['viewer-request'])).toEqual(['defines no function named handler']);
    expect(await checkCloudFrontSource('var handler = 5;', ['viewer-request'])).toEqual(['handler is number, not a function']);
  });

  it('refuses top-level code that throws or never ends', async () => {
    expect(await checkCloudFrontSource('throw new Error("boom"); function handler(e) {}', ['viewer-request'])).toEqual([
      expect.stringMatching(/top-level code threw Error: boom/),
    ]);
    expect(await checkCloudFrontSource('for (;;) {} function handler(e) {}', ['viewer-request'])).toEqual([expect.stringMatching(/ran over its 100 ms budget/)]);
  });
});
