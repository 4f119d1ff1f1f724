// Lambda@Edge (lambda-node), origin-request.
// Fetches a request from another path on the origin, chosen by a request header:
// `X-App-Version: 2` is served from /v2/<path>, anything else from /v1/<path>. It runs on a
// cache miss only, so the cache key stays the viewer's path: the header must be part of it for
// the two versions to be cached apart (here the origin answers with `Vary: X-App-Version`), and
// the edge must forward it to the origin (the edge's originRequestHeaders, as a CloudFront
// origin request policy would).
export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  const version = request.headers['x-app-version']?.[0]?.value === '2' ? 'v2' : 'v1';
  request.uri = `/${version}${request.uri}`;
  return request;
};
