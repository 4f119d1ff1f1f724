// CloudFront Functions (cloudfront-js), viewer-response.
// Adds the usual security headers to every response the viewer gets, cached or not, so the
// origin need not send them. A header the origin already set is left as it is.
var HEADERS = {
  'strict-transport-security': 'max-age=63072000; includeSubDomains; preload',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
};

function handler(event) {
  var response = event.response;
  for (var name in HEADERS) {
    if (!response.headers[name]) response.headers[name] = { value: HEADERS[name] };
  }
  return response;
}
