import { Readable } from 'node:stream';
import type { CacheRequest } from '../cache/http-cache.ts';
import { runHook } from './hook-call.ts';
import type { EdgeHooks, HookAnswer, HookClient, OutgoingRequest } from './hooks.ts';
import { discardBody, type OriginResponse } from './origin-client.ts';

/** What follows the origin-side hooks: the fetch (or its response) goes on, or the client gets an answer of the hook's alone. */
export type OriginStep = { do: 'continue'; response?: OriginResponse } | { do: 'answer'; answer: HookAnswer };

const CONTINUE: OriginStep = { do: 'continue' };

/**
 * The origin-request hook, before a fetch: it may change `outgoing`, answer in the origin's place
 * (a response that then goes through backend_response, and is stored per its Cache-Control as
 * CloudFront stores an origin-request function's response), or fail (a final answer, never stored).
 */
export async function originRequestStep(
  hooks: EdgeHooks,
  outgoing: OutgoingRequest,
  request: CacheRequest,
  client: HookClient | undefined,
): Promise<OriginStep> {
  const answer = await runHook(() => hooks.originRequest!(outgoing, request, client));
  if (!answer) return CONTINUE;
  if (answer.final) return { do: 'answer', answer };
  return { do: 'continue', response: responseFromAnswer(answer, answer.cacheStatus ?? 'pass') };
}

/**
 * The origin-response hook, after the origin answered and before backend_response: it may change
 * the response's status and headers in place, replace it (body included), or fail. A response an
 * origin-request hook generated did not come from the origin and is not shown to it (as CloudFront).
 */
export async function originResponseStep(
  hooks: EdgeHooks | undefined,
  response: OriginResponse,
  request: CacheRequest,
  client: HookClient | undefined,
): Promise<{ do: 'continue'; response: OriginResponse } | { do: 'answer'; answer: HookAnswer }> {
  const hook = hooks?.originResponse;
  if (!hook || response.generated) return { do: 'continue', response };
  const answer = await runHook(() => hook(response, request, client));
  if (!answer) return { do: 'continue', response };
  discardBody(response.body);
  if (answer.final) return { do: 'answer', answer };
  return { do: 'continue', response: { ...responseFromAnswer(answer, undefined), headersMs: response.headersMs, simulatedMs: response.simulatedMs } };
}

function responseFromAnswer(answer: HookAnswer, generated: OriginResponse['generated']): OriginResponse {
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
  return {
    status: answer.status,
    headers: { ...answer.headers, 'content-length': String(body.length) },
    body: Readable.from([body]),
    headersMs: 0,
    simulatedMs: 0,
    generated,
  };
}
