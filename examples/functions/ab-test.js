// CloudFront Functions (cloudfront-js), viewer-request and viewer-response (one function, both
// associations; it tells them apart by event.context.eventType).
// A/B test: a viewer with a `variant` cookie keeps its variant; a new viewer is assigned one at
// random. The variant becomes the first path segment (/a/... or /b/...), so each variant is its
// own cache entry and the origin sees which one it serves. On the response, a viewer that came
// without the cookie gets it set, so it stays in its variant.
var VARIANTS = ['a', 'b'];
var COOKIE = 'variant';

function handler(event) {
  if (event.context.eventType === 'viewer-response') return rememberVariant(event);
  var request = event.request;
  var chosen = request.cookies[COOKIE];
  var variant = chosen && VARIANTS.indexOf(chosen.value) >= 0
    ? chosen.value
    : VARIANTS[Math.floor(Math.random() * VARIANTS.length)];
  request.uri = '/' + variant + request.uri;
  return request;
}

function rememberVariant(event) {
  var response = event.response;
  var request = event.request;
  var had = request.cookies[COOKIE];
  if (had && VARIANTS.indexOf(had.value) >= 0) return response;
  var segment = request.uri.split('/')[1];
  if (VARIANTS.indexOf(segment) < 0) return response;
  response.cookies[COOKIE] = { value: segment, attributes: 'Path=/; Max-Age=2592000' };
  return response;
}
