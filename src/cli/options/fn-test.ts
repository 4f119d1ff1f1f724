import { defineCommand } from '../command-spec.ts';

export const fnTestSpec = defineCommand({
  name: 'fn test',
  synopsis: 'FILE --runtime RUNTIME [--trigger TRIGGER] (--event EVENT.json | --url URL [--header H ...]) [options]',
  about: `Runs one edge function once in its sandbox, like sam local invoke: on an event in the profile's
own shape (--event) or on a request made from a URL and headers, and prints its result in that
shape with the cold start and invocation times. Exit 0 when it ran, 1 when the function failed
(with the status CloudFront would answer), 2 on bad input.`,
  options: {
    runtime: { type: 'string', arg: 'RUNTIME', help: 'cloudfront-js (CloudFront Functions) or lambda-node (Lambda@Edge) (required)' },
    trigger: { type: 'string', arg: 'TRIGGER', help: 'viewer-request, origin-request, origin-response or viewer-response\n(default: the event\'s eventType, else viewer-request)' },
    event: { type: 'string', arg: 'FILE', help: 'the event as JSON, in the runtime\'s own event shape' },
    url: { type: 'string', arg: 'URL', help: 'build a request from this URL instead (request triggers only)' },
    header: { type: 'string', arg: "'NAME: VALUE'", multiple: true, help: 'a request header for --url, repeatable' },
    method: { type: 'string', arg: 'M', help: 'the request method for --url (default GET)' },
    'client-ip': { type: 'string', arg: 'IP', help: 'the viewer address for --url (default 127.0.0.1)' },
    'timeout-ms': { type: 'string', arg: 'MS', help: 'lambda-node: the time limit (default 5000 viewer, 30000 origin)' },
    json: { type: 'boolean', help: 'print one JSON object (result, times, failure) instead of text' },
  },
  positionals: 'FILE',
});
