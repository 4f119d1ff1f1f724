/**
 * Edge functions, runtime-neutral: the edge hands a function an invocation in these terms and
 * each runtime profile (cloudfront-js, lambda-node) turns it into its own event shape and back.
 * Nothing here knows about sockets, the cache or a sandbox.
 */

/** The four CloudFront events, in the order a request meets them. */
export const TRIGGERS = ['viewer-request', 'origin-request', 'origin-response', 'viewer-response'] as const;
export type Trigger = (typeof TRIGGERS)[number];

/** CloudFront Functions (a JS sandbox, viewer events only) and Lambda@Edge (Node, all four). */
export const RUNTIMES = ['cloudfront-js', 'lambda-node'] as const;
export type FunctionRuntime = (typeof RUNTIMES)[number];

/** Header names lowercase; every value of a repeated field kept, in order. */
export type FunctionHeaders = Record<string, string[]>;

/** A request as a function sees it, whatever its profile. */
export interface FunctionRequest {
  method: string;
  /** The path, without the query. */
  uri: string;
  /** The raw query string, without the leading '?' ('' when none). */
  querystring: string;
  headers: FunctionHeaders;
  /** The viewer's address as the edge knows it (from a trusted router, else the socket peer). */
  clientIp: string;
  /** Origin triggers only: where the request goes; a function may point it elsewhere (Lambda@Edge's `origin.custom`). */
  origin?: FunctionOrigin;
}

/** The origin an origin-request goes to, as Lambda@Edge's `origin.custom` describes it. */
export interface FunctionOrigin {
  domainName: string;
  port: number;
  protocol: 'http' | 'https';
  /** A path prefix put before the request's uri ('' for none). */
  path: string;
}

/** A response as a function sees it: the origin's (origin-response), the one about to be delivered (viewer-response), or one a function generates. */
export interface FunctionResponse {
  status: number;
  statusDescription?: string;
  headers: FunctionHeaders;
  /** Only for generated responses: a response trigger never sees the origin's body (as CloudFront). */
  body?: string;
  /** How `body` is written: 'text' (the default: UTF-8) or 'base64' (the bytes, base64-encoded, as Lambda@Edge's bodyEncoding). */
  bodyEncoding?: 'text' | 'base64';
}

/** Facts about where the function runs, for the event's config/context part. */
export interface InvocationContext {
  /** The edge's id (CloudFront's distribution domain stands in as `<edge>.cdnsim.test`). */
  edgeId: string;
  /** Unique per invocation. */
  requestId: string;
  /**
   * The time the function sees, in ms since the epoch: set offline (the trace's time) so that a
   * run repeats exactly, and then Math.random is seeded from requestId too (fixed-clock.ts).
   * Absent on the live edge: real time, real randomness.
   */
  now?: number;
}

export type Invocation =
  | { trigger: 'viewer-request' | 'origin-request'; request: FunctionRequest; context: InvocationContext }
  | { trigger: 'origin-response' | 'viewer-response'; request: FunctionRequest; response: FunctionResponse; context: InvocationContext };

/** Why a function failed; each maps to the status CloudFront documents for it (see failures.ts). */
export type FailureReason =
  /** The handler threw, rejected, or the code failed to load. */
  | 'error'
  /** The result is not a request or response the trigger may return (wrong shape, forbidden header, body on a trigger that forbids one). */
  | 'invalid-result'
  /** Over the time limit (lambda-node) or the compute budget (cloudfront-js). */
  | 'timeout'
  /** Over the memory limit. */
  | 'memory'
  /** A generated response or modified request over its size limit. */
  | 'size';

export type InvocationResult =
  /** Request triggers: go on with this (possibly modified) request. */
  | { kind: 'request'; request: FunctionRequest }
  /** A request trigger answered at the edge, or a response trigger's (possibly modified) response. */
  | { kind: 'response'; response: FunctionResponse }
  | { kind: 'failure'; reason: FailureReason; message: string };

/** One function as configured: paths already resolved against the topology file. */
export interface FunctionSpec {
  id: string;
  /** Absolute path of the source file. */
  file: string;
  runtime: FunctionRuntime;
  triggers: readonly Trigger[];
  /** Edge ids it runs on; undefined = all. */
  edges?: readonly string[];
  /** lambda-node only: time limits in ms (defaults 5,000 viewer / 30,000 origin, as published). */
  viewerTimeoutMs?: number;
  originTimeoutMs?: number;
}

/** A function compiled into its sandbox, ready to run; replaced whole when its file changes. */
export interface LoadedFunction {
  readonly spec: FunctionSpec;
  /** 1 for the first load, +1 for each reload of a changed file. */
  readonly version: number;
  invoke(invocation: Invocation): Promise<InvocationResult>;
  /** Frees the sandbox (workers, wasm memory); invoke after close fails with reason 'error'. */
  close(): Promise<void>;
}
