import type { RunReport } from './run-report.ts';

/** Which routing a live run used and, by DNS, what the clients' resolvers were told. */
export function routingLines(report: RunReport): string[] {
  if (report.kind === 'simulation') return [];
  const routing = report.routing;
  if (routing.mode === 'proxy') return ['routing: proxy (every request through the router)'];
  const shares = Object.entries(routing.dns_answer_share ?? {})
    .map(([edge, share]) => `${edge} ${(share * 100).toFixed(1)} %`)
    .join(', ');
  return [
    `routing: dns (clients resolve the CDN hostname with their own subnet, keep the answer for its TTL, connect straight to their edge): ` +
      `${routing.dns_queries} queries, ${routing.dns_failures} failed`,
    `DNS answers per edge: ${shares || 'none'}`,
  ];
}
