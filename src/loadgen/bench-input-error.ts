/**
 * A bad bench option or input (an unreachable router, an unreadable trace line): the user's
 * mistake, not a bug, so whoever started the run reports its message alone, without a stack.
 */
export class BenchInputError extends Error {
  override name = 'BenchInputError';
}
