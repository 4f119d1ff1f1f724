import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const ADMIN_TOKEN_ENV = 'CDNSIM_ADMIN_TOKEN';

export function generateAdminToken(): string {
  return randomBytes(18).toString('base64url');
}

/** The configured token; a process that has none refuses every admin request rather than allowing all. */
export function adminTokenFromEnv(): string | undefined {
  const token = process.env[ADMIN_TOKEN_ENV];
  return token && token.length > 0 ? token : undefined;
}

export function hasAdminToken(headers: IncomingHttpHeaders, expected: string | undefined): boolean {
  if (!expected) return false;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]!);
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
