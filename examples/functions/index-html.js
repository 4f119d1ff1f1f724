// CloudFront Functions (cloudfront-js), viewer-request.
// Directory URLs get their index document, as an S3 website endpoint would serve it:
// /docs/ -> /docs/index.html and /docs -> /docs/index.html (a last segment without a dot is
// taken for a directory). The rewrite happens before the cache key is made, so /docs, /docs/
// and /docs/index.html share one cached object.
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  var lastSegment = uri.slice(uri.lastIndexOf('/') + 1);
  if (lastSegment === '') {
    request.uri = uri + 'index.html';
  } else if (lastSegment.indexOf('.') < 0) {
    request.uri = uri + '/index.html';
  }
  return request;
}
