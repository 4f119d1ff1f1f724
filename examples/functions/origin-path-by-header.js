// Lambda@Edge (lambda-node), origin-request.
// Serves a request from another origin path chosen by a request header: `X-App-Version: 2`
// fetches /v2/<path>, anything else /v1/<path>. It runs on a cache miss only, so the cache key is
// the viewer's path: the header must be part of it for the two versions to be cached apart
// (here the origin answers with `Vary: X-App-Version`, which the edge honours).
export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  const version = request.headers['x-app-version']?.[0]?.value === '2' ? 'v2' : 'v1';
  request.uri = `/${version}${request.uri}`;
  return request;
};
