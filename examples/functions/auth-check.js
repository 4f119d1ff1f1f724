// CloudFront Functions (cloudfront-js), viewer-request.
// Answers at the edge, without touching the cache or the origin: 401 (with WWW-Authenticate)
// when there is no `Authorization: Bearer <token>`, 403 when the token is not the expected one.
// The token is a constant for the example; a real one would come from a KeyValueStore.
var EXPECTED_TOKEN = 'example-token';

function handler(event) {
  var request = event.request;
  var authorization = request.headers.authorization;
  var match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization.value) : null;
  if (!match) {
    return deny(401, 'Unauthorized', { 'www-authenticate': { value: 'Bearer realm="cdnsim"' } });
  }
  if (match[1] !== EXPECTED_TOKEN) return deny(403, 'Forbidden', {});
  return request;
}

function deny(statusCode, statusDescription, headers) {
  headers['content-type'] = { value: 'text/plain' };
  headers['cache-control'] = { value: 'no-store' };
  return { statusCode: statusCode, statusDescription: statusDescription, headers: headers, body: statusDescription + '\n' };
}
