import dnsPacket, { type Answer, type DecodedPacket, type OptAnswer, type Question } from 'dns-packet';
import { CLIENT_SUBNET_OPTION, parseClientSubnet, type ClientSubnet } from './client-subnet.ts';

/**
 * The largest query read. A real one is a header, one name (at most 255 bytes) and an OPT record:
 * well under 512 bytes. Anything far larger is not a query worth the work of decoding.
 */
export const MAX_QUERY_BYTES = 4096;

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
/** BADVERS (16) does not fit the header's 4 bits: its upper bits travel in the OPT record. */
const BADVERS = 16;
const QUERY_OPCODE = 0;
const HEADER_BYTES = 12;

export interface DnsQuery {
  kind: 'query';
  id: number;
  recursionDesired: boolean;
  question: Question;
  /** Present when the query carried an OPT record (EDNS0): the response then carries one too. */
  edns?: { clientSubnet?: ClientSubnet };
}

/** A query that deserves an error answer; `rcode` may be BADVERS, which needs EDNS to express. */
export interface DnsReject {
  kind: 'reject';
  id: number;
  rcode: number;
  reason: string;
  edns: boolean;
}

/** Not answered at all: too short to hold an id, too big, or itself a response (answering one could loop two servers). */
export interface DnsDrop {
  kind: 'drop';
  reason: string;
}

/** Reads one DNS message from a client, deciding whether it is a query, an error to answer, or noise to drop. */
export function readQuery(message: Buffer): DnsQuery | DnsReject | DnsDrop {
  if (message.length < HEADER_BYTES) return { kind: 'drop', reason: 'shorter than a DNS header' };
  if (message.length > MAX_QUERY_BYTES) return { kind: 'drop', reason: `larger than ${MAX_QUERY_BYTES} bytes` };
  const id = message.readUInt16BE(0);
  const flags = message.readUInt16BE(2);
  if (flags & 0x8000) return { kind: 'drop', reason: 'a response, not a query' };
  const reject = (rcode: number, reason: string, edns = false): DnsReject => ({ kind: 'reject', id, rcode, reason, edns });
  if (((flags >> 11) & 0xf) !== QUERY_OPCODE) return reject(RCODE.NOTIMP, 'only standard queries are served');

  let packet: DecodedPacket;
  try {
    packet = dnsPacket.decode(message);
  } catch (error) {
    // Counts that promise more records than the message holds, names running off its end, bad labels.
    return reject(RCODE.FORMERR, `undecodable: ${(error as Error).message}`);
  }
  if (dnsPacket.decode.bytes !== message.length) return reject(RCODE.FORMERR, 'bytes after the last record the counts announce');
  const questions = packet.questions ?? [];
  if (questions.length !== 1) return reject(RCODE.FORMERR, `${questions.length} questions (a query asks one)`);
  if ((packet.answers ?? []).length > 0 || (packet.authorities ?? []).length > 0) {
    return reject(RCODE.FORMERR, 'a query with answer or authority records');
  }
  const opts = (packet.additionals ?? []).filter((record): record is OptAnswer => record.type === 'OPT');
  if (opts.length > 1) return reject(RCODE.FORMERR, 'more than one OPT record', true);
  const query: DnsQuery = { kind: 'query', id, recursionDesired: (flags & 0x0100) !== 0, question: questions[0]! };
  const opt = opts[0];
  if (opt === undefined) return query;
  if (opt.name !== '.') return reject(RCODE.FORMERR, 'OPT record not owned by the root', true);
  if (opt.ednsVersion !== 0) return reject(BADVERS, `EDNS version ${opt.ednsVersion}`, true);
  query.edns = {};
  const subnets = (opt.options ?? []).filter((option) => option.code === CLIENT_SUBNET_OPTION);
  if (subnets.length > 1) return reject(RCODE.FORMERR, 'more than one client subnet option', true);
  if (subnets[0] !== undefined) {
    const subnet = parseClientSubnet(subnets[0].data ?? Buffer.alloc(0));
    if ('malformed' in subnet) return reject(RCODE.FORMERR, subnet.malformed, true);
    query.edns.clientSubnet = subnet;
  }
  return query;
}

export interface DnsResponse {
  id: number;
  rcode: number;
  recursionDesired?: boolean;
  authoritative?: boolean;
  question?: Question;
  answers?: Answer[];
  authorities?: Answer[];
  /** Include an OPT record (the query had one), with these option payloads by code. */
  edns?: { options: { code: number; data: Buffer }[] };
}

const AUTHORITATIVE = 0x0400;
const RECURSION_DESIRED = 0x0100;

export function encodeResponse(response: DnsResponse): Buffer {
  const flags =
    (response.authoritative ? AUTHORITATIVE : 0) | (response.recursionDesired ? RECURSION_DESIRED : 0) | (response.rcode & 0xf);
  const additionals: Answer[] = [];
  if (response.edns) {
    additionals.push({
      type: 'OPT',
      name: '.',
      udpPayloadSize: 1232,
      extendedRcode: response.rcode >> 4,
      ednsVersion: 0,
      flags: 0,
      flag_do: false,
      // The option shapes in @types/dns-packet want each option's decoded fields; a raw payload is what dns-packet encodes first.
      options: response.edns.options.map((option) => ({ code: option.code, data: option.data }) as unknown as OptAnswer['options'][number]),
    });
  }
  return dnsPacket.encode({
    type: 'response',
    id: response.id,
    flags,
    questions: response.question ? [response.question] : [],
    answers: response.answers ?? [],
    authorities: response.authorities ?? [],
    additionals,
  });
}

/** The error answer to a rejected query: no question echoed (it may be what was wrong). */
export function encodeReject(reject: DnsReject): Buffer {
  return encodeResponse({ id: reject.id, rcode: reject.rcode, edns: reject.edns || reject.rcode > 0xf ? { options: [] } : undefined });
}
