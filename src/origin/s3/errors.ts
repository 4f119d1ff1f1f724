import type { ServerResponse } from 'node:http';
import { S3Error } from './contract.ts';
import { toXml } from './xml.ts';

/** S3's errors that more than one operation raises, with S3's codes, statuses and wording. */
export const s3Errors = {
  noSuchBucket: (bucket: string) => new S3Error('NoSuchBucket', 404, 'The specified bucket does not exist', { BucketName: bucket }),
  noSuchKey: (key: string) => new S3Error('NoSuchKey', 404, 'The specified key does not exist.', { Key: key }),
  preconditionFailed: (condition: string) =>
    new S3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold', { Condition: condition }),
  invalidArgument: (message: string, name?: string, value?: string) =>
    new S3Error('InvalidArgument', 400, message, name === undefined ? {} : { ArgumentName: name, ArgumentValue: value ?? '' }),
  entityTooLarge: (limit: number) =>
    new S3Error('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed size', { MaxSizeAllowed: String(limit) }),
  notImplemented: (what: string) =>
    new S3Error('NotImplemented', 501, `A header or query you provided implies functionality that is not implemented: ${what}`),
  methodNotAllowed: (method: string) =>
    new S3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.', { Method: method }),
};

/**
 * Answers with an S3 error: its status, and (but for HEAD, whose answers have no body) S3's
 * XML error document naming the resource and the request id.
 */
export function sendS3Error(res: ServerResponse, error: S3Error, method: string, resource: string, requestId: string): void {
  if (res.headersSent) {
    // The answer had begun (a body streaming): all that is left is to cut it short.
    res.destroy();
    return;
  }
  res.statusCode = error.status;
  if (error.status === 405 && error.details.Method !== undefined) res.setHeader('Allow', 'GET, HEAD, PUT, POST, DELETE');
  if (method === 'HEAD') {
    res.end();
    return;
  }
  const body = toXml(
    'Error',
    { Code: error.code, Message: error.message, ...error.details, Resource: resource, RequestId: requestId },
    false,
  );
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
