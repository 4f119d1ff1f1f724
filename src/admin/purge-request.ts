import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { normalizeTarget } from '../http/normalize-target.ts';

/** Purge bodies are small lists; anything larger is a mistake or an attack. */
export const MAX_PURGE_BODY_BYTES = 64 * 1024;

const selectorList = z.array(z.string().min(1).max(2048)).max(10_000).optional();

/** Paths and prefixes are matched in the spelling the edges key on, so `/a/../b` purges `/b`. */
const pathList = selectorList.transform((list) => list?.map((path) => normalizeTarget(path) ?? path));

export const purgeRequestSchema = z
  .strictObject({ paths: pathList, prefixes: pathList, tags: selectorList })
  .refine((body) => (body.paths?.length ?? 0) + (body.prefixes?.length ?? 0) + (body.tags?.length ?? 0) > 0, {
    message: 'name at least one of "paths", "prefixes" or "tags"',
  });

export type PurgeRequest = z.output<typeof purgeRequestSchema>;

export type ParsedPurge = { ok: true; purge: PurgeRequest } | { ok: false; status: 400 | 413; message: string };

/** Reads and validates `{ paths?, prefixes?, tags? }` from a request body, bounded in size. */
export async function readPurgeRequest(req: IncomingMessage): Promise<ParsedPurge> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > MAX_PURGE_BODY_BYTES) return { ok: false, status: 413, message: `purge body over ${MAX_PURGE_BODY_BYTES} bytes` };
    chunks.push(chunk);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return { ok: false, status: 400, message: 'body is not JSON; send {"paths":[...],"prefixes":[...],"tags":[...]}' };
  }
  const parsed = purgeRequestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, status: 400, message: `${issue.path.join('.') || 'body'}: ${issue.message}` };
  }
  return { ok: true, purge: parsed.data };
}
