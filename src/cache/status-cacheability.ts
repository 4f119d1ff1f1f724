/** The statuses http-cache-semantics 4 agrees to store at all (its understoodStatuses). */
const LIBRARY_STORES = new Set([200, 203, 204, 300, 301, 302, 303, 307, 308, 404, 405, 410, 414, 501]);

/** Final statuses defined by RFC 9110 section 15, whose meaning this cache knows (for must-understand). */
const UNDERSTOOD = new Set([
  200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407,
  408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 426, 500, 501, 502, 503, 504, 505,
]);

export function libraryStores(status: number): boolean {
  return LIBRARY_STORES.has(status);
}

export function understoodStatus(status: number): boolean {
  return UNDERSTOOD.has(status);
}
