import { CHECKSUM_ALGORITHMS, S3Error, type ChecksumAlgorithm } from '../contract.ts';
import { parseXml, toXml, type XmlElement } from '../xml.ts';
import { MAX_PART_NUMBER, MIN_PART_NUMBER } from './limits.ts';

/** An S3 XML answer: `fields` under a root element in S3's namespace (arrays repeat an element). */
export function s3Document(root: string, fields: XmlElement): string {
  return toXml(root, fields);
}

/** One <Part> of a CompleteMultipartUpload body. */
export interface RequestedPart {
  partNumber: number;
  /** Without quotes. */
  etag: string;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

function malformed(detail: string): S3Error {
  return new S3Error('MalformedXML', 400, `The XML you provided was not well-formed or did not validate against our published schema: ${detail}`);
}

/** The parts a CompleteMultipartUpload body names, in the order it names them. */
export function parseCompleteBody(text: string): RequestedPart[] {
  // parseXml decodes character references too (Go clients such as rclone write an ETag's quotes as &#34;).
  const root = parseXml(text)['CompleteMultipartUpload'];
  if (root === undefined) throw malformed('the root element must be CompleteMultipartUpload');
  const parts = typeof root === 'object' && root !== null ? ((root as { Part?: unknown[] }).Part ?? []) : [];
  if (parts.length === 0) throw malformed('no Part elements');
  return parts.map((entry, index) => {
    if (typeof entry !== 'object' || entry === null) throw malformed(`Part ${index + 1} has no PartNumber and ETag`);
    const fields = entry as Record<string, unknown>;
    // Values come untrimmed; a pretty-printed body has whitespace around them.
    const text = (name: string) => (typeof fields[name] === 'string' ? (fields[name] as string).trim() : undefined);
    const number = text('PartNumber');
    const etag = text('ETag');
    if (typeof number !== 'string' || !/^\d{1,5}$/.test(number)) throw malformed(`Part ${index + 1} has no valid PartNumber`);
    if (typeof etag !== 'string' || etag === '') throw malformed(`Part ${index + 1} has no ETag`);
    const partNumber = Number(number);
    if (partNumber < MIN_PART_NUMBER || partNumber > MAX_PART_NUMBER) {
      throw new S3Error('InvalidArgument', 400, `Part number must be an integer between ${MIN_PART_NUMBER} and ${MAX_PART_NUMBER}, inclusive`);
    }
    const checksums: RequestedPart['checksums'] = {};
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const value = text(`Checksum${algorithm}`);
      if (value) checksums[algorithm] = value;
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
