import type { S3Authenticator, S3Principal, S3Request, S3Settings } from '../contract.ts';
import { authenticateAnonymous } from './anonymous.ts';
import { invalidArgument } from './auth-errors.ts';
import { HEADER_ALGORITHM, authenticateByHeader } from './header-auth.ts';
import { openPayload } from './payload.ts';
import { authenticateByQuery } from './query-auth.ts';

export { storedContentEncoding } from './content-encoding.ts';

/** SigV4 (Authorization header or presigned query), else anonymous access to public-read buckets. */
export function createS3Authenticator(settings: S3Settings): S3Authenticator {
  return {
    authenticate(request: S3Request, now: number): S3Principal {
      const authorization = request.headers.authorization;
      const presigned = request.query.has('X-Amz-Algorithm') || request.query.has('X-Amz-Signature') || request.query.has('X-Amz-Credential');
      if (typeof authorization === 'string' && authorization !== '') {
        if (presigned) {
          throw invalidArgument('Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified', {
            ArgumentName: 'Authorization',
            ArgumentValue: authorization.split(' ')[0] ?? '',
          });
        }
        if (authorization.startsWith(`${HEADER_ALGORITHM} `)) return authenticateByHeader(request, authorization, settings, now);
        // SigV2 and SigV4a: S3's own answer for a mechanism this endpoint does not take.
        throw invalidArgument('Unsupported Authorization Type', { ArgumentName: 'Authorization', ArgumentValue: authorization.split(' ')[0] ?? '' });
      }
      if (presigned) {
        return authenticateByQuery(request, settings, now);
      }
      return authenticateAnonymous(request, settings);
    },
    openPayload,
  };
}
