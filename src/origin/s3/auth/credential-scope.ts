import type { S3Error, S3Settings } from '../contract.ts';
import { invalidAccessKeyId } from './auth-errors.ts';

/** The Credential of a SigV4 request (AKID/20130524/us-east-1/s3/aws4_request), checked against the settings. */
export interface CredentialScope {
  accessKeyId: string;
  secretAccessKey: string;
  shortDate: string;
  region: string;
  service: string;
  /** date/region/service/aws4_request, as the string to sign names it. */
  scope: string;
}

/** `malformed` builds the error S3 gives for this form of request (header or query string). */
export function resolveCredential(
  credential: string,
  settings: S3Settings,
  malformed: (message: string, details?: Record<string, string>) => S3Error,
): CredentialScope {
  const parts = credential.split('/');
  // An access key id has no '/', so the scope is always the last four parts.
  if (parts.length !== 5 || parts.some((part) => part === '')) {
    throw malformed(`the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  }
  const [accessKeyId, shortDate, region, service, terminator] = parts as [string, string, string, string, string];
  if (!/^\d{8}$/.test(shortDate)) throw malformed(`incorrect date format "${shortDate}". This date in the credential must be in the format "yyyyMMdd".`);
  if (region !== settings.region) {
    throw malformed(`the region '${region}' is wrong; expecting '${settings.region}'`, { Region: settings.region });
  }
  if (service !== 's3') throw malformed(`incorrect service "${service}". This endpoint belongs to "s3".`);
  if (terminator !== 'aws4_request') throw malformed(`incorrect terminal "${terminator}". This endpoint uses "aws4_request".`);
  const known = settings.credentials.find((c) => c.accessKeyId === accessKeyId);
  if (!known) throw invalidAccessKeyId(accessKeyId);
  return {
    accessKeyId,
    secretAccessKey: known.secretAccessKey,
    shortDate,
    region,
    service,
    scope: `${shortDate}/${region}/${service}/aws4_request`,
  };
}
