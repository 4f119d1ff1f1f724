import type { Trigger } from '../types.ts';

/**
 * Lambda@Edge's published quotas (CloudFront developer guide, "Quotas on Lambda@Edge"), the ones
 * cdnsim enforces. Viewer triggers get the tighter figure of each pair.
 */
export const LAMBDA_LIMITS = {
  viewerTimeoutMs: 5_000,
  originTimeoutMs: 30_000,
  memoryMb: 128,
  /** A generated response, headers and body, as the function returns it. */
  viewerGeneratedResponseBytes: 40 * 1024,
  originGeneratedResponseBytes: 1024 * 1024,
  /** The function's code (the quota counts the compressed package; the source stands in for it). */
  viewerCodeBytes: 1024 * 1024,
  originCodeBytes: 50 * 1024 * 1024,
} as const;

export function isViewerTrigger(trigger: Trigger): boolean {
  return trigger === 'viewer-request' || trigger === 'viewer-response';
}

export function generatedResponseLimit(trigger: Trigger): number {
  return isViewerTrigger(trigger) ? LAMBDA_LIMITS.viewerGeneratedResponseBytes : LAMBDA_LIMITS.originGeneratedResponseBytes;
}
