import { S3Error } from '../contract.ts';
import { checkObjectKey } from '../names.ts';
import { parseXml, readSmallBody, toXml, type XmlElement } from '../xml.ts';
import { bucketOf, keyOf, sendXml, type S3OperationHandler } from './context.ts';

/** S3's limit on the keys of one DeleteObjects request. */
const MAX_KEYS_PER_DELETE = 1000;
/** Room for 1,000 keys of 1,024 bytes, escaped, and their markup. */
const MAX_DELETE_BODY_BYTES = 8 * 1024 * 1024;

export const deleteObject: S3OperationHandler = async (request, { buckets, res }) => {
  const key = keyOf(request);
  checkObjectKey(key);
  await buckets.delete(bucketOf(request), key);
  res.statusCode = 204;
  res.end();
};

const malformed = (why: string) =>
  new S3Error('MalformedXML', 400, `The XML you provided was not well-formed or did not validate against our published schema: ${why}`);

/** The keys of a <Delete> document, and whether the answer lists only the failures (Quiet). */
function parseDeleteRequest(text: string): { keys: string[]; quiet: boolean } {
  const document = parseXml(text);
  const root = document.Delete;
  if (typeof root !== 'object' || root === null) throw malformed('the root element must be Delete');
  const { Object: objects, Quiet: quiet } = root as { Object?: unknown; Quiet?: unknown };
  if (!Array.isArray(objects) || objects.length === 0) throw malformed('no Object to delete');
  if (objects.length > MAX_KEYS_PER_DELETE) throw malformed(`more than ${MAX_KEYS_PER_DELETE} keys`);
  const keys = objects.map((entry: unknown) => {
    const key = typeof entry === 'object' && entry !== null ? (entry as { Key?: unknown }).Key : undefined;
    if (typeof key !== 'string') throw malformed('an Object without a Key');
    return key;
  });
  const quietText = typeof quiet === 'string' ? quiet.trim() : undefined;
  if (quietText !== undefined && quietText !== 'true' && quietText !== 'false') throw malformed('Quiet must be true or false');
  return { keys, quiet: quietText === 'true' };
}

/**
 * DeleteObjects: the whole document is read and checked before any key is deleted, so a
 * malformed request deletes nothing. Each key then succeeds or fails alone, as in S3.
 */
export const deleteObjects: S3OperationHandler = async (request, ctx) => {
  const bucket = bucketOf(request);
  ctx.buckets.keys(bucket);
  const payload = ctx.openPayload();
  payload.checksums.catch(() => undefined);
  const text = await readSmallBody(payload.body, MAX_DELETE_BODY_BYTES);
  await payload.checksums;
  const { keys, quiet } = parseDeleteRequest(text);
  const deleted: XmlElement[] = [];
  const errors: XmlElement[] = [];
  for (const key of keys) {
    try {
      checkObjectKey(key);
      await ctx.buckets.delete(bucket, key);
      if (!quiet) deleted.push({ Key: key });
    } catch (error) {
      if (!(error instanceof S3Error)) throw error;
      errors.push({ Key: key, Code: error.code, Message: error.message });
    }
  }
  sendXml(ctx.res, toXml('DeleteResult', { Deleted: deleted, Error: errors }));
};
