import { errors } from 'undici';
import { InvalidResponseHeadError } from '../http/header-fields.ts';

export type UpstreamFailure = 'timeout' | 'unreachable' | 'bad-response';

/** Sorts an undici failure into what the client should be told: 504, or 502. */
export function classifyUpstreamError(error: unknown): UpstreamFailure {
  if (
    error instanceof errors.HeadersTimeoutError ||
    error instanceof errors.BodyTimeoutError ||
    error instanceof errors.ConnectTimeoutError
  ) {
    return 'timeout';
  }
  if (
    error instanceof errors.HTTPParserError ||
    error instanceof errors.ResponseContentLengthMismatchError ||
    error instanceof InvalidResponseHeadError
  ) {
    return 'bad-response';
  }
  return 'unreachable';
}

export function statusForFailure(failure: UpstreamFailure): number {
  return failure === 'timeout' ? 504 : 502;
}
