import { describe, expect, it } from 'vitest';
import { normalizeTarget } from '../src/http/normalize-target.ts';

describe('normalizeTarget (RFC 3986 section 6.2.2)', () => {
  it.each([
    ['/norm/b', '/norm/b'],
    ['/norm/a/../b', '/norm/b'],
    ['/norm/./b', '/norm/b'],
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    ['/../../etc', '/etc'],
    ['/..', '/'],
    ['/a//b', '/a//b'],
    ['/%7euser/%2fx', '/~user/%2Fx'],
    ['/%2E%2E/secret', '/secret'],
    ['/a%20b', '/a%20b'],
    ['/NORM/B', '/NORM/B'],
    ['/a/../b?x=/../y&%zz', '/b?x=/../y&%zz'],
    ['/?', '/?'],
  ])('%s -> %s', (target, expected) => {
    expect(normalizeTarget(target)).toBe(expected);
  });

  it.each(['*', 'http://host/a', '', '/bad%zz', '/bad%4'])('refuses %j', (target) => {
    expect(normalizeTarget(target)).toBeUndefined();
  });
});
