import { request } from 'undici';
import type { RoutedEdge } from '../../routing/edge-table.ts';

/** One function as an edge lists it on GET /_cdn/functions. */
export interface AttachedFunction {
  id: string;
  runtime: string;
  triggers: string[];
  version: number;
}

export type EdgeFunctionList = { ok: true; functions: AttachedFunction[] } | { ok: false; problem: string };

/** The page polls every second; the list changes only on a reload, so a few seconds' staleness is fine. */
const FRESH_MS = 3_000;
const TIMEOUT_MS = 1_000;

/**
 * The functions each edge runs, from its GET /_cdn/functions, fetched when the dashboard asks
 * and kept a few seconds, so that a page polling every second (or several pages) costs each edge
 * one small request per few seconds. A slow or down edge answers within the timeout, with why.
 */
export class EdgeFunctionsDirectory {
  readonly #lists = new Map<string, { at: number; list: Promise<EdgeFunctionList> }>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  of(edge: RoutedEdge): Promise<EdgeFunctionList> {
    const known = this.#lists.get(edge.id);
    if (known && this.now() - known.at < FRESH_MS) return known.list;
    const list = fetchList(edge);
    this.#lists.set(edge.id, { at: this.now(), list });
    return list;
  }
}

async function fetchList(edge: RoutedEdge): Promise<EdgeFunctionList> {
  try {
    const response = await request(`${edge.url}/_cdn/functions`, { headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS, signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return { ok: false, problem: `GET /_cdn/functions answered ${response.statusCode}` };
    }
    return parseList(await response.body.json());
  } catch (error) {
    return { ok: false, problem: `GET /_cdn/functions failed: ${(error as Error).message}` };
  }
}

/** The edge answers `{ edge, functions: [...] }`; a bare list is taken too. Anything else is reported, not trusted. */
export function parseList(body: unknown): EdgeFunctionList {
  const list = Array.isArray(body) ? body : (body as { functions?: unknown } | null)?.functions;
  if (!Array.isArray(list)) return { ok: false, problem: 'GET /_cdn/functions did not list functions' };
  const functions: AttachedFunction[] = [];
  for (const item of list as unknown[]) {
    const entry = item as Partial<AttachedFunction> | null;
    if (!entry || typeof entry.id !== 'string' || typeof entry.runtime !== 'string' || !Array.isArray(entry.triggers) || typeof entry.version !== 'number') {
      return { ok: false, problem: 'GET /_cdn/functions listed an entry without id, runtime, triggers and version' };
    }
    functions.push({ id: entry.id, runtime: entry.runtime, triggers: entry.triggers.filter((trigger): trigger is string => typeof trigger === 'string'), version: entry.version });
  }
  return { ok: true, functions };
}
