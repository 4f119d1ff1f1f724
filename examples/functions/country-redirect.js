// CloudFront Functions (cloudfront-js), viewer-request.
// Sends viewers in a country with a site of its own there with a 302, using the
// CloudFront-Viewer-Country header (which the router sets from the client's location). Viewers
// elsewhere, and requests already under a country prefix, go on to the cache unchanged.
var SITES = { DE: '/de', FR: '/fr', JP: '/jp' };

function handler(event) {
  var request = event.request;
  var country = request.headers['cloudfront-viewer-country'];
  var prefix = country ? SITES[country.value] : undefined;
  if (!prefix || request.uri.indexOf(prefix + '/') === 0) return request;
  return {
    statusCode: 302,
    statusDescription: 'Found',
    headers: {
      location: { value: prefix + request.uri },
      'cache-control': { value: 'private, max-age=0' },
    },
  };
}
