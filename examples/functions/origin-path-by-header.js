// Lambda@Edge (lambda-node), origin-request.
// Fetches a request from another path on the origin, chosen by a request header:
// `X-App-Version: 2` is served from /v2/<path>, anything else from /v1/<path>. It sets the
// origin's path (request.origin.custom.path), which CloudFront puts before the request's uri, so
// the uri itself stays the viewer's. It runs on a cache miss only, so the cache key stays the
// viewer's path: the header must be part of it for the two versions to be cached apart (here the
// origin answers with `Vary: X-App-Version`), and the edge must forward it to the origin (the
// edge's originRequestHeaders, as a CloudFront origin request policy would).
export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  const version = request.headers['x-app-version']?.[0]?.value === '2' ? 'v2' : 'v1';
  request.origin.custom.path = `/${version}`;
  return request;
};
