import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import type { Writable } from 'node:stream';
import { parseCountryWeights } from '../../workload/country-weights.ts';
import { parseSizeDistribution } from '../../workload/size-distribution.ts';
import { Workload } from '../../workload/workload.ts';
import { UsageError } from '../usage-error.ts';

/**
 * `cdnsim trace gen`: a synthetic CSV trace from the bench's own workload generator, so a trace
 * and a bench run with the same options and seed describe the same traffic.
 */
export async function traceCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'gen') throw new UsageError('usage: cdnsim trace gen --out FILE [--requests N] [--objects N] [--alpha A] [--size SPEC] [--ttl LIST] [--uncacheable F] [--countries LIST] [--rate R] [--seed N]');
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      out: { type: 'string' },
      requests: { type: 'string', default: '100000' },
      objects: { type: 'string', default: '10000' },
      alpha: { type: 'string', default: '0.8' },
      size: { type: 'string', default: '1024' },
      ttl: { type: 'string', default: '3600' },
      uncacheable: { type: 'string', default: '0' },
      countries: { type: 'string' },
      rate: { type: 'string', default: '1000' },
      seed: { type: 'string', default: '1' },
    },
  });
  if (!values.out) throw new UsageError('--out FILE is required (.csv, or .csv.gz to compress)');
  const count = (name: string, text: string) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value <= 0) throw new UsageError(`--${name} must be a whole number > 0, got "${text}"`);
    return value;
  };
  const alpha = Number(values.alpha);
  if (!(alpha > 0)) throw new UsageError(`--alpha must be > 0, got "${values.alpha}"`);
  const rate = Number(values.rate);
  if (!(rate > 0)) throw new UsageError(`--rate must be > 0, got "${values.rate}"`);
  let workload: Workload;
  try {
    workload = new Workload({
      objects: count('objects', values.objects),
      alpha,
      sizes: parseSizeDistribution(values.size),
      ttlSeconds: values.ttl.split(',').map(Number),
      uncacheableShare: Number(values.uncacheable),
      countries: values.countries ? parseCountryWeights(values.countries) : undefined,
      seed: Number(values.seed),
      idPrefix: `s${values.seed}-`,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const requests = count('requests', values.requests);
  const file = createWriteStream(values.out);
  const out: Writable = values.out.endsWith('.gz') ? createGzip() : file;
  if (out !== file) out.pipe(file);
  const write = async (line: string) => {
    if (!out.write(line)) await once(out, 'drain');
  };
  await write('timestamp,key,size,ttl,cacheable,country,client_ip\n');
  for (let i = 0; i < requests; i++) {
    const request = workload.next();
    // Requests arrive at the given mean rate; the timestamp is in whole seconds, as in real traces.
    await write(`${Math.floor(i / rate)},${request.key},${request.bytes},${request.ttl},${request.cacheable ? 1 : 0},${request.country},${request.clientIp}\n`);
  }
  out.end();
  await once(file, 'finish');
  console.log(`${values.out}: ${requests} requests over ${values.objects} objects (Zipf ${alpha}, seed ${values.seed})`);
}
