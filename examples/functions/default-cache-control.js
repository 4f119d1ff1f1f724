// Lambda@Edge (lambda-node), origin-response.
// Gives an origin response without Cache-Control one, before the edge decides whether to store
// it: successful answers are cached for an hour, errors for ten seconds (so an outage does not
// stick). Responses that say how to cache themselves are left alone.
const SUCCESS = 'public, max-age=3600';
const ERROR = 'public, max-age=10';

export const handler = async (event) => {
  const response = event.Records[0].cf.response;
  if (!response.headers['cache-control']) {
    const status = Number(response.status);
    response.headers['cache-control'] = [{ key: 'Cache-Control', value: status < 400 ? SUCCESS : ERROR }];
  }
  return response;
};
