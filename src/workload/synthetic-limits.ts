// The bounds of the origin's synthetic objects (/gen/<id>?bytes=N&ttl=S). Whoever builds such a
// URL (a trace replay, a workload) has to stay inside them, so they live below the origin.

/** Largest synthetic object, so one request cannot make the origin stream for minutes. */
export const MAX_SYNTHETIC_BYTES = 1024 ** 3;
export const MAX_SYNTHETIC_TTL_SECONDS = 31_536_000;
