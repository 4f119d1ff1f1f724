/** S3's multipart limits (Amazon S3 User Guide, "Amazon S3 multipart upload limits"). */
export const MIN_PART_NUMBER = 1;
export const MAX_PART_NUMBER = 10_000;
/** Every part but the last must be at least this large (EntityTooSmall at completion). */
export const MIN_PART_BYTES = 5 * 1024 ** 2;
export const MAX_PART_BYTES = 5 * 1024 ** 3;
export const MAX_OBJECT_BYTES = 5 * 1024 ** 4;
/** ListParts' and ListMultipartUploads' default and largest page. */
export const MAX_LIST_ENTRIES = 1000;
