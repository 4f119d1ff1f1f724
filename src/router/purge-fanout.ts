import { request } from 'undici';
import type { PurgeRequest } from '../admin/purge-request.ts';
import type { RoutedEdge } from '../routing/edge-table.ts';

export interface EdgePurgeResult {
  edge: string;
  healthy: boolean;
  ok: boolean;
  status?: number;
  purged?: { paths: number; prefixes: number; tags: number };
  error?: string;
}

const PURGE_TIMEOUT_MS = 3_000;

/**
 * Sends one purge to every edge at once, down ones included (a down edge may be up again with a
 * stale cache any moment: the caller must see that it was not reached), each with a timeout.
 */
export async function fanOutPurge(edges: readonly RoutedEdge[], purge: PurgeRequest, token: string): Promise<EdgePurgeResult[]> {
  return Promise.all(
    edges.map(async (edge): Promise<EdgePurgeResult> => {
      try {
        const response = await request(`${edge.url}/_cdn/purge`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(purge),
          headersTimeout: PURGE_TIMEOUT_MS,
          bodyTimeout: PURGE_TIMEOUT_MS,
          signal: AbortSignal.timeout(PURGE_TIMEOUT_MS),
        });
        const text = await response.body.text();
        if (response.statusCode !== 200) {
          return { edge: edge.id, healthy: edge.healthy, ok: false, status: response.statusCode, error: text.trim() };
        }
        const body = JSON.parse(text) as { purged: EdgePurgeResult['purged'] };
        return { edge: edge.id, healthy: edge.healthy, ok: true, status: 200, purged: body.purged };
      } catch (error) {
        return { edge: edge.id, healthy: edge.healthy, ok: false, error: (error as Error).message };
      }
    }),
  );
}
