import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { CHECKSUM_ALGORITHMS, S3Error, type ChecksumAlgorithm } from '../contract.ts';
import { MAX_PART_NUMBER, MIN_PART_NUMBER } from './limits.ts';

const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false });

/** An S3 XML document: `fields` under a root element in S3's namespace (arrays repeat an element). */
export function s3Document(root: string, fields: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ [root]: { '@_xmlns': S3_NAMESPACE, ...fields } })}`;
}

/** One <Part> of a CompleteMultipartUpload body. */
export interface RequestedPart {
  partNumber: number;
  /** Without quotes. */
  etag: string;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

const parser = new XMLParser({
  isArray: (_name, jpath) => jpath === 'CompleteMultipartUpload.Part',
  // Part numbers and ETags stay strings: "00001" or a hex ETag of digits must not become a number.
  parseTagValue: false,
  trimValues: true,
  ignoreAttributes: true,
  // XML's numeric character references are decoded only with this on: Go's encoder (rclone, the
  // Go SDK) sends each part's quoted ETag as &#34;...&#34;.
  htmlEntities: true,
});

function malformed(detail: string): S3Error {
  return new S3Error('MalformedXML', 400, `The XML you provided was not well-formed or did not validate against our published schema: ${detail}`);
}

/** The parts a CompleteMultipartUpload body names, in the order it names them. */
export function parseCompleteBody(text: string): RequestedPart[] {
  if (text.trim() === '') throw malformed('empty body');
  if (XMLValidator.validate(text) !== true) throw malformed('not well-formed');
  const document = parser.parse(text) as { CompleteMultipartUpload?: { Part?: unknown[] } | '' };
  const root = document.CompleteMultipartUpload;
  if (root === undefined) throw malformed('the root element must be CompleteMultipartUpload');
  const parts = root === '' ? [] : (root.Part ?? []);
  if (parts.length === 0) throw malformed('no Part elements');
  return parts.map((entry, index) => {
    if (typeof entry !== 'object' || entry === null) throw malformed(`Part ${index + 1} has no PartNumber and ETag`);
    const fields = entry as Record<string, unknown>;
    const number = fields['PartNumber'];
    const etag = fields['ETag'];
    if (typeof number !== 'string' || !/^\d{1,5}$/.test(number)) throw malformed(`Part ${index + 1} has no valid PartNumber`);
    if (typeof etag !== 'string' || etag === '') throw malformed(`Part ${index + 1} has no ETag`);
    const partNumber = Number(number);
    if (partNumber < MIN_PART_NUMBER || partNumber > MAX_PART_NUMBER) {
      throw new S3Error('InvalidArgument', 400, `Part number must be an integer between ${MIN_PART_NUMBER} and ${MAX_PART_NUMBER}, inclusive`);
    }
    const checksums: RequestedPart['checksums'] = {};
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const value = fields[`Checksum${algorithm}`];
      if (typeof value === 'string' && value !== '') checksums[algorithm] = value;
    }
    return { partNumber, etag: unquote(etag), checksums };
  });
}

/** An ETag as clients send it back: quoted, or not. */
export function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

/** S3's timestamp form in XML listings. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}
