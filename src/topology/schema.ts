import { isIP } from 'node:net';
import { isValidCidr } from '../net/cidr.ts';
import { LIVE_POLICIES, livePolicyProblem } from '../eviction/live-policies.ts';
import { z } from 'zod';
import { RUNTIMES, TRIGGERS } from '../functions/types.ts';
import { triggerProblem } from '../functions/limits.ts';

const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-180).max(180);
const port = z.number().int().min(0).max(65535);
const positiveBytes = z.number().int().positive();
/** An HTTP field name (RFC 9110 section 5.1: a token). */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name (letters, digits and !#$%&\'*+.^_`|~-)');
/** A literal IPv4 or IPv6 address, as a process binds it (no names: nothing here resolves them). */
const ipAddress = z.string().refine((text) => isIP(text) !== 0, 'must be an IP address such as 127.0.1.1');
/** A DNS name of letters, digits and dashes in dot-separated labels (RFC 1123), without the final dot. */
const hostname = z
  .string()
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i, 'must be a DNS name such as cdn.cdnsim.test');
const identifier = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be 1-32 lower-case letters, digits or dashes');

/**
 * Bounds of the network model, each generous for an experiment, together chosen so that the
 * longest round trip (antipodes, ~20,015 km each way) stays a valid Node timer (under 2^31-1 ms,
 * 24.8 days): 2 x (1000 + 20,015 / 1) x 1000 = 42 million ms, about 12 hours.
 */
export const NETWORK_LIMITS = {
  /** A second of fixed cost per hop is already far beyond any real switching or last mile. */
  maxBaseMs: 1000,
  /** 200 times slower than light in fibre; below it a delay says more about the setting than the network. */
  minKmPerMs: 1,
  /** The speed of light in vacuum, ~299.8 km/ms: nothing real propagates faster. */
  maxKmPerMs: 300,
  /** Slow motion of 1 simulated ms to 1 real second: enough to watch a single request. */
  maxTimeScale: 1000,
} as const;

export const networkSchema = z.strictObject({
  /** Fixed one-way cost of any hop (switching, last mile), in milliseconds. */
  baseMs: z.number().min(0).max(NETWORK_LIMITS.maxBaseMs),
  /** Effective propagation speed; light in fibre is ~200 km/ms, real routes about half that. */
  kmPerMs: z.number().min(NETWORK_LIMITS.minKmPerMs).max(NETWORK_LIMITS.maxKmPerMs),
  /** Multiplies every simulated delay; 0 turns the network model off. */
  timeScale: z.number().min(0).max(NETWORK_LIMITS.maxTimeScale).default(1),
});

const healthCheckSchema = z.strictObject({
  intervalMs: z.number().int().min(50).default(1000),
  timeoutMs: z.number().int().min(10).default(500),
  unhealthyThreshold: z.number().int().positive().default(2),
  healthyThreshold: z.number().int().positive().default(2),
});

export const routerSchema = z.strictObject({
  port,
  host: z.string().min(1).default('127.0.0.1'),
  /** Peers whose X-Forwarded-For and X-Client-Geo are believed (CIDR). */
  trustedProxies: z
    .array(z.string().refine(isValidCidr, 'must be an IP address or CIDR range'))
    .default(['127.0.0.0/8', '::1/128']),
  /** Where a client whose address has no location is assumed to be. */
  defaultClientLocation: z.strictObject({ lat: latitude, lon: longitude }),
  healthCheck: healthCheckSchema.default({
    intervalMs: 1000,
    timeoutMs: 500,
    unhealthyThreshold: 2,
    healthyThreshold: 2,
  }),
});

/** The environment variable the supervisor passes origin.s3 in (as JSON): secrets stay out of argv. */
export const S3_CONFIG_ENV = 'CDNSIM_S3_CONFIG';

const s3BucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name (3-63 lower-case letters, digits, '.' and '-')");

/**
 * The built-in origin's S3 API: its region, the access keys it accepts, and buckets made at start.
 * With `bucket`, the edges front that bucket as CloudFront fronts S3 (the built-in store's, or the
 * S3 endpoint `url` names), reading it by S3 GET signed with the first credential.
 */
export const originS3Schema = z.strictObject({
  /** The bucket the edges serve; the built-in store creates it at start. */
  bucket: s3BucketName.optional(),
  region: z.string().regex(/^[a-z0-9-]{1,32}$/, 'must be a region name such as us-east-1').optional(),
  credentials: z
    .array(z.strictObject({ accessKeyId: z.string().regex(/^[A-Za-z0-9]{3,128}$/, 'must be 3-128 letters or digits'), secretAccessKey: z.string().min(8) }))
    .optional(),
  buckets: z
    .array(
      z.strictObject({
        /** S3's rules apply; the origin checks the name in full when it starts. */
        name: s3BucketName,
        /** Anyone may GET and HEAD its objects without a signature. */
        publicRead: z.boolean().optional(),
        /** Writes and deletes purge the key at every edge. */
        purgeOnWrite: z.boolean().optional(),
      }),
    )
    .optional(),
  /** Per-prefix request rates, 503 SlowDown above them as S3 answers (default S3's 3,500 PUT / 5,500 GET a second); on when present. */
  requestRateLimit: z
    .strictObject({ putPerSecond: z.number().int().positive().optional(), getPerSecond: z.number().int().positive().optional() })
    .optional(),
});

export const originSchema = z
  .strictObject({
    id: identifier.default('origin'),
    city: z.string().min(1).optional(),
    region: z.string().min(1).default('origin'),
    lat: latitude,
    lon: longitude,
    /** An external origin (your own app); without it the built-in store runs. */
    url: z.url({ protocol: /^https?$/ }).optional(),
    port: port.optional(),
    /** Built-in store only: where objects live, relative to the topology file. */
    dataDir: z.string().min(1).optional(),
    /** Built-in store only: the largest body a PUT may carry. */
    maxObjectBytes: positiveBytes.optional(),
    /** The built-in store's S3 API (on the origin's port beside cdnsim's own). */
    s3: originS3Schema.optional(),
  })
  .superRefine((origin, ctx) => {
    if (origin.url === undefined && origin.port === undefined) {
      ctx.addIssue({ code: 'custom', path: ['port'], message: 'required unless "url" names an external origin' });
    }
    if (origin.url !== undefined) {
      for (const key of ['port', 'dataDir', 'maxObjectBytes'] as const) {
        if (origin[key] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: 'only for the built-in store; remove it or "url"' });
        }
      }
    }
  });

export const edgeSchema = z
  .strictObject({
    id: identifier,
    city: z.string().min(1),
    region: z.string().min(1),
    lat: latitude,
    lon: longitude,
    /**
     * The loopback address this edge listens on (default 127.0.0.1). Distinct addresses let every
     * edge share one port, so a DNS answer (an address alone) names an edge, as a real CDN's does.
     */
    host: ipAddress.optional(),
    port,
    /** Cache capacity in bytes (bodies plus headers); or give maxObjects. */
    maxSize: positiveBytes.optional(),
    /** Cache capacity in objects, every response counting 1 (as `cdnsim sim --mode objects`). */
    maxObjects: z.number().int().positive().optional(),
    /** Which of the simulator's policies evicts; those that need the future are refused here. */
    policy: z.enum(LIVE_POLICIES, { error: (issue) => livePolicyProblem(String(issue.input)) }).default('lru'),
    /** Larger responses pass through without being stored. */
    maxObjectBytes: positiveBytes.optional(),
    /**
     * Routing weight for what-if experiments: the router compares distance / weight, so 2 makes an
     * edge look twice as close (it draws clients from farther away) and 0.5 half as attractive.
     */
    weight: z.number().positive().default(1),
    /**
     * Client headers this edge's shared (cached) fetches forward besides the defaults
     * (content negotiation, credentials, Origin, the proxy chain), as an origin request policy.
     */
    originRequestHeaders: z.array(headerName).optional(),
    /**
     * Serve a stale entry when the origin cannot answer (refused, timed out, 5xx) even without
     * stale-if-error, as CloudFront does; never for must-revalidate, proxy-revalidate, no-cache or
     * s-maxage entries (RFC 9111 section 4.2.4). Default true.
     */
    serveStaleOnOriginError: z.boolean().optional(),
    /**
     * The response field targeted at this CDN alone (RFC 9213), obeyed before CDN-Cache-Control
     * and Cache-Control and not passed on to clients; default Cdnsim-Cache-Control.
     */
    targetedCacheControlField: headerName.optional(),
  })
  .superRefine((edge, ctx) => {
    if (edge.maxSize === undefined && edge.maxObjects === undefined) {
      ctx.addIssue({ code: 'custom', path: ['maxSize'], message: 'required: the cache capacity in bytes (or give maxObjects)' });
    } else if (edge.maxSize !== undefined && edge.maxObjects !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['maxObjects'], message: 'give the capacity once: maxSize (bytes) or maxObjects, not both' });
    }
  });

/** The router's DNS service for the CDN's hostname (DNS-based routing); absent = no DNS. */
export const dnsSchema = z.strictObject({
  /** The name clients resolve; A/AAAA answers carry the nearest healthy edge's address. */
  hostname,
  /** Seconds a resolver may keep an answer: how long a failover takes to reach clients. */
  ttl: z.number().int().min(0).max(86_400).default(30),
  /** UDP and TCP port (53 needs privileges; 0 = any free port). */
  port: port.default(8053),
  /** Address to listen on; default the router's host. */
  host: ipAddress.optional(),
});

/**
 * An edge function (CloudFront Functions or Lambda@Edge). The file is relative to the topology
 * file; `cdnsim validate` also compiles it and checks its limits.
 */
export const functionSchema = z
  .strictObject({
    id: identifier,
    file: z.string().min(1),
    runtime: z.enum(RUNTIMES),
    triggers: z.array(z.enum(TRIGGERS)).min(1),
    /** Edge ids it runs on; all when absent. */
    edges: z.array(identifier).min(1).optional(),
    /** lambda-node only: time limits, at most Lambda@Edge's published 5 s (viewer) and 30 s (origin). */
    viewerTimeoutMs: z.number().int().positive().max(5_000).optional(),
    originTimeoutMs: z.number().int().positive().max(30_000).optional(),
  })
  .superRefine((fn, ctx) => {
    const seen = new Set<string>();
    fn.triggers.forEach((trigger, index) => {
      if (seen.has(trigger)) ctx.addIssue({ code: 'custom', path: ['triggers', index], message: `${trigger} is listed twice` });
      seen.add(trigger);
      const problem = triggerProblem(fn.runtime, trigger);
      if (problem) ctx.addIssue({ code: 'custom', path: ['triggers', index], message: problem });
    });
    if (fn.runtime === 'cloudfront-js') {
      for (const key of ['viewerTimeoutMs', 'originTimeoutMs'] as const) {
        if (fn[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'lambda-node only: cloudfront-js has a compute budget, not a time limit' });
      }
    }
  });

/** CloudFront allows one function per event type on a cache behaviour: here, per trigger per edge. */
function checkFunctionPlacement(topology: { edges: { id: string }[]; functions: z.output<typeof functionSchema>[] }, ctx: z.RefinementCtx): void {
  const edgeIds = new Set(topology.edges.map((edge) => edge.id));
  const functionIds = new Map<string, number>();
  const taken = new Map<string, string>();
  const viewerRuntimes = new Map<string, { runtime: string; id: string }>();
  topology.functions.forEach((fn, index) => {
    const other = functionIds.get(fn.id);
    if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['functions', index, 'id'], message: `duplicate function id "${fn.id}" (also functions[${other}].id)` });
    else functionIds.set(fn.id, index);
    fn.edges?.forEach((edge, edgeIndex) => {
      if (!edgeIds.has(edge)) ctx.addIssue({ code: 'custom', path: ['functions', index, 'edges', edgeIndex], message: `no edge has id "${edge}"` });
    });
    const edges = fn.edges ?? [...edgeIds];
    fn.triggers.forEach((trigger, triggerIndex) => {
      for (const edge of edges) {
        const key = `${edge} ${trigger}`;
        const holder = taken.get(key);
        if (holder && holder !== fn.id) {
          ctx.addIssue({ code: 'custom', path: ['functions', index, 'triggers', triggerIndex], message: `edge ${edge} already runs function "${holder}" on ${trigger}: one function per trigger per edge` });
          return;
        }
        taken.set(key, fn.id);
        // CloudFront does not combine CloudFront Functions and Lambda@Edge on the viewer events of one behaviour.
        if (trigger.startsWith('viewer-')) {
          const viewerRuntime = viewerRuntimes.get(edge);
          if (viewerRuntime && viewerRuntime.runtime !== fn.runtime) {
            ctx.addIssue({
              code: 'custom',
              path: ['functions', index, 'triggers', triggerIndex],
              message: `edge ${edge} runs ${viewerRuntime.runtime} function "${viewerRuntime.id}" on a viewer trigger: cloudfront-js and lambda-node cannot share an edge's viewer triggers`,
            });
            return;
          }
          viewerRuntimes.set(edge, { runtime: fn.runtime, id: fn.id });
        }
      }
    });
  });
}

export const topologySchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().min(1).optional(),
    network: networkSchema,
    router: routerSchema,
    origin: originSchema,
    dns: dnsSchema.optional(),
    edges: z.array(edgeSchema).min(1),
    functions: z.array(functionSchema).default([]),
  })
  .superRefine((topology, ctx) => {
    checkFunctionPlacement(topology, ctx);
    const ids = new Map<string, string>([[topology.origin.id, 'origin.id']]);
    topology.edges.forEach((edge, index) => {
      const seen = ids.get(edge.id);
      if (seen) {
        ctx.addIssue({ code: 'custom', path: ['edges', index, 'id'], message: `duplicate id "${edge.id}" (also ${seen})` });
      } else {
        ids.set(edge.id, `edges[${index}].id`);
      }
    });
    // Port 0 means "any free port", so only fixed ports can clash, and only on the same address.
    const ports = new Map<string, string>();
    const claim = (value: number | undefined, host: string, path: (string | number)[]) => {
      if (value === undefined || value === 0) return;
      const label = formatPath(path);
      const key = `${host} ${value}`;
      const seen = ports.get(key);
      if (seen) ctx.addIssue({ code: 'custom', path, message: `duplicate port ${value} on ${host} (also ${seen})` });
      else ports.set(key, label);
    };
    claim(topology.router.port, topology.router.host, ['router', 'port']);
    claim(topology.origin.port, DEFAULT_HOST, ['origin', 'port']);
    // DNS listens on TCP too, so it cannot share a port with an HTTP server on its address.
    if (topology.dns) claim(topology.dns.port, topology.dns.host ?? topology.router.host, ['dns', 'port']);
    topology.edges.forEach((edge, index) => claim(edge.port, edge.host ?? DEFAULT_HOST, ['edges', index, 'port']));
  });

/** Where the origin, and every edge without a `host`, listen. */
export const DEFAULT_HOST = '127.0.0.1';

export type Topology = z.output<typeof topologySchema>;
export type EdgeConfig = Topology['edges'][number];
export type OriginConfig = Topology['origin'];
export type NetworkModel = Topology['network'];
export type RouterConfig = Topology['router'];
export type DnsConfig = NonNullable<Topology['dns']>;
export type FunctionConfig = Topology['functions'][number];

/** `edges[3].lat` style, the way a person reads a JSON path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}
