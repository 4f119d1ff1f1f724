import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Readable } from 'node:stream';
import { S3Error } from './contract.ts';

/** The namespace S3 puts on the root element of every answer. */
export const S3_XML_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** A value of an XML answer: text, a nested element, or a list (repeated elements of one name). */
export type XmlValue = string | number | boolean | XmlElement | readonly XmlValue[];
export interface XmlElement {
  readonly [name: string]: XmlValue | undefined;
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false });

/** An S3 XML document: `root` holding `content`, with S3's namespace unless `namespace` is false. */
export function toXml(root: string, content: XmlElement, namespace = true): string {
  const element = namespace ? { '@_xmlns': S3_XML_NAMESPACE, ...content } : content;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ [root]: withoutUndefined(element) }) as string}`;
}

function withoutUndefined(element: XmlElement): XmlElement {
  return Object.fromEntries(Object.entries(element).filter(([, value]) => value !== undefined));
}

const parser = new XMLParser({
  ignoreAttributes: true,
  // Keys are text, exactly as sent: no number parsing, no trimming of leading or trailing spaces.
  parseTagValue: false,
  trimValues: false,
  // XML's numeric character references (&#34;, &#x22;) are decoded only with this on: Go's encoder
  // (rclone, the Go SDK) writes a quoted ETag or a key's quote as &#34;.
  htmlEntities: true,
  isArray: (name) => name === 'Object' || name === 'Part',
});

/** Parses a request's XML body; anything not well-formed is S3's MalformedXML. */
export function parseXml(text: string): Record<string, unknown> {
  if (text.trim() === '' || XMLValidator.validate(text) !== true) {
    throw new S3Error('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema.');
  }
  return parser.parse(text) as Record<string, unknown>;
}

/** Reads a small request body (an XML document) whole, refusing more than `limit` bytes. */
export async function readSmallBody(body: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new S3Error('MalformedXML', 400, `The XML body is larger than ${limit} bytes.`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
