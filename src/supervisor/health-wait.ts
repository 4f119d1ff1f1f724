import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

/** Polls `${url}/_cdn/health` until it answers 200, or throws after `timeoutMs`. */
export async function waitHealthy(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await request(`${url}/_cdn/health`, { headersTimeout: 1_000, bodyTimeout: 1_000 });
      await response.body.dump();
      if (response.statusCode === 200) return;
      last = `status ${response.statusCode}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(50);
  }
  throw new Error(`${url}/_cdn/health not healthy after ${timeoutMs / 1000} s (${last})`);
}
