// Lambda@Edge (lambda-node), origin-request.
// Sends a request to another origin path chosen by a request header: `X-App-Version: 2` is
// fetched from under /v2, anything else from under /v1 (the origin's `path`, which the edge
// puts before the uri). It runs on a cache miss only, so the cache key is the viewer's path: the
// header must be part of it for the two versions to be cached apart (here the origin answers
// with `Vary: X-App-Version`), and the edge must forward it (the edge's originRequestHeaders, as
// a CloudFront origin request policy).
export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  const version = request.headers['x-app-version']?.[0]?.value === '2' ? 'v2' : 'v1';
  request.origin.custom.path = `/${version}`;
  return request;
};
