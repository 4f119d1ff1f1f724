import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseColumnOption } from '../src/trace/column-option.ts';
import { readTrace } from '../src/trace/read-trace.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-columns-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--columns', () => {
  it('maps fields to the columns a trace names them by', async () => {
    const columns = parseColumnOption('key=object_id, size=bytes,client_ip=ip,timestamp=ts');
    expect(columns).toEqual({ key: 'object_id', size: 'bytes', clientIp: 'ip', timestamp: 'ts' });
    const file = path.join(dir, 'renamed.csv');
    writeFileSync(file, 'ts,object_id,bytes,ip\n5,a,100,81.2.69.160\n6,b,0,\n');
    const requests = [];
    for await (const request of readTrace(file, { columns })) requests.push(request);
    expect(requests).toEqual([
      { time: 5, key: 'a', size: 100, clientIp: '81.2.69.160' },
      { time: 6, key: 'b', size: 0 },
    ]);
  });

  it.each(['kee=object_id', 'key', 'key=a=b', ''])('refuses "%s" and names the known fields', (text) => {
    expect(() => parseColumnOption(text)).toThrow(/FIELD one of key, size, timestamp, ttl, cacheable, country, client_ip, lat, lon/);
  });
});
