import type { ServerResponse } from 'node:http';

/** A 1xx response from upstream (an origin or an edge), as undici reports it. */
export interface InterimResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Passes the origin's interim responses on to the client whose request is being fetched, as long
 * as its final response has not started: 102 Processing and 103 Early Hints (RFC 8297), so a
 * browser can start preloading. Their fields never reach the stored response. 100 Continue is the
 * origin's answer to an expectation this edge never sends, and other 1xx codes have no meaning a
 * client could use, so neither goes on.
 */
export function relayInterimTo(res: ServerResponse): (interim: InterimResponse) => void {
  return (interim) => {
    if (res.headersSent || res.destroyed) return;
    if (interim.statusCode === 102) {
      res.writeProcessing();
    } else if (interim.statusCode === 103) {
      const hints: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(interim.headers)) if (value !== undefined) hints[name] = value;
      try {
        res.writeEarlyHints(hints);
      } catch {
        // A hint Node refuses to write (an invalid Link, say) is dropped: hints are optional.
      }
    }
  };
}
