import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { S3Error } from '../contract.ts';
import { incompleteBody, signatureDoesNotMatch } from './auth-errors.ts';
import { chunkSignature, trailerSignature, type ChunkSigning } from './chunk-signatures.ts';
import { sameSignature } from './sigv4-crypto.ts';

/**
 * Decodes an aws-chunked body: `<hex size>[;chunk-signature=<sig>]\r\n<bytes>\r\n` ... a 0-size chunk,
 * then either `\r\n` or trailer lines (`x-amz-checksum-crc32:<b64>\r\n`, `x-amz-trailer-signature:<sig>\r\n`)
 * and `\r\n`. Signed chunks are checked as they end; a chunk's bytes are passed on before its
 * signature is checked (holding each chunk back would buffer whatever size the client picks), and the
 * stream errors before it ends, so a store that commits on 'end' never keeps a forged body.
 */
export interface ChunkedOptions {
  signing?: ChunkSigning;
  /** Whether x-amz-content-sha256 announced trailers. */
  trailer: boolean;
}

const MAX_LINE = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;
const CRLF = Buffer.from('\r\n');

type State = 'size-line' | 'data' | 'data-crlf' | 'trailer' | 'final-crlf' | 'done';

function framing(message: string): S3Error {
  return new S3Error('InvalidRequest', 400, `Malformed aws-chunked body: ${message}`);
}

export class AwsChunkedDecoder extends Transform {
  /** Trailer headers (lower-case names), complete once the stream has ended. */
  readonly trailers = new Map<string, string>();
  private state: State = 'size-line';
  private pending: Buffer = Buffer.alloc(0);
  private remaining = 0;
  private chunkHash: Hash | undefined;
  private chunkSignatureSent = '';
  private previousSignature: string;
  private trailerBytes = 0;
  private readonly trailerOrder: Array<[string, string]> = [];
  private trailerSignatureSent: string | undefined;

  constructor(private readonly options: ChunkedOptions) {
    super();
    this.previousSignature = options.signing?.seedSignature ?? '';
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      this.drain();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      const finished =
        this.state === 'done' ||
        (this.pending.length === 0 && this.state === 'final-crlf') ||
        // Some clients end the body right after their last trailer line, without the blank line.
        (this.pending.length === 0 && this.state === 'trailer' && this.trailerOrder.length > 0 && this.finishTrailer());
      callback(finished ? undefined : incompleteBody('The aws-chunked body ended before its final chunk.'));
    } catch (error) {
      callback(error as Error);
    }
  }

  private drain(): void {
    while (this.pending.length > 0) {
      switch (this.state) {
        case 'size-line': {
          const line = this.takeLine();
          if (line === undefined) return;
          this.startChunk(line);
          break;
        }
        case 'data': {
          const take = Math.min(this.remaining, this.pending.length);
          const bytes = this.pending.subarray(0, take);
          this.pending = this.pending.subarray(take);
          this.remaining -= take;
          this.chunkHash?.update(bytes);
          this.push(bytes);
          if (this.remaining === 0) this.state = 'data-crlf';
          break;
        }
        case 'data-crlf': {
          if (this.pending.length < 2) return;
          if (!this.pending.subarray(0, 2).equals(CRLF)) throw framing('a chunk is longer than its size says.');
          this.pending = this.pending.subarray(2);
          this.checkChunk(this.chunkHash?.digest('hex'));
          this.state = 'size-line';
          break;
        }
        case 'trailer': {
          const line = this.takeLine();
          if (line === undefined) return;
          this.trailerBytes += line.length + 2;
          if (this.trailerBytes > MAX_TRAILER_BYTES) throw framing('the trailer is too large.');
          if (line === '') {
            this.finishTrailer();
            this.state = 'done';
          } else this.addTrailer(line);
          break;
        }
        case 'final-crlf': {
          if (this.pending.length < 2) return;
          if (!this.pending.subarray(0, 2).equals(CRLF)) throw framing('bytes after the final chunk.');
          this.pending = this.pending.subarray(2);
          this.state = 'done';
          break;
        }
        case 'done':
          throw framing('bytes after the end of the body.');
      }
    }
  }

  private takeLine(): string | undefined {
    const end = this.pending.indexOf(CRLF);
    if (end === -1) {
      if (this.pending.length > MAX_LINE) throw framing('a chunk header line is too long.');
      return undefined;
    }
    const line = this.pending.subarray(0, end).toString('latin1');
    this.pending = this.pending.subarray(end + 2);
    return line;
  }

  private startChunk(line: string): void {
    const [sizeText = '', ...extensions] = line.split(';');
    if (!/^[0-9a-fA-F]{1,12}$/.test(sizeText.trim())) throw framing(`bad chunk size "${sizeText.slice(0, 20)}".`);
    const size = parseInt(sizeText.trim(), 16);
    const signature = extensions.map((ext) => ext.trim()).find((ext) => ext.startsWith('chunk-signature='));
    this.chunkSignatureSent = signature ? signature.slice('chunk-signature='.length) : '';
    if (this.options.signing && !this.chunkSignatureSent) throw signatureDoesNotMatch({}, 'A signed aws-chunked body has a chunk without chunk-signature.');
    if (size > 0) {
      this.remaining = size;
      this.chunkHash = this.options.signing ? createHash('sha256') : undefined;
      this.state = 'data';
      return;
    }
    this.checkChunk(this.options.signing ? createHash('sha256').digest('hex') : undefined);
    this.state = this.options.trailer ? 'trailer' : 'final-crlf';
  }

  private checkChunk(sha256Hex: string | undefined): void {
    const signing = this.options.signing;
    if (!signing || sha256Hex === undefined) return;
    const expected = chunkSignature(signing, this.previousSignature, sha256Hex);
    if (!sameSignature(expected, this.chunkSignatureSent.toLowerCase())) {
      throw signatureDoesNotMatch({ SignatureProvided: this.chunkSignatureSent }, 'The chunk signature we calculated does not match the signature you provided.');
    }
    this.previousSignature = expected;
  }

  private addTrailer(line: string): void {
    const colon = line.indexOf(':');
    if (colon <= 0) throw framing(`bad trailer line "${line.slice(0, 40)}".`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') this.trailerSignatureSent = value;
    else {
      this.trailers.set(name, value);
      this.trailerOrder.push([name, value]);
    }
  }

  /** Checks the trailer's signature in a signed upload; answers true so _flush can use it as a condition. */
  private finishTrailer(): boolean {
    const signing = this.options.signing;
    if (!signing) return true;
    if (!this.trailerSignatureSent) throw signatureDoesNotMatch({}, 'A signed aws-chunked body ended without x-amz-trailer-signature.');
    const expected = trailerSignature(signing, this.previousSignature, this.trailerOrder);
    if (!sameSignature(expected, this.trailerSignatureSent.toLowerCase())) {
      throw signatureDoesNotMatch({ SignatureProvided: this.trailerSignatureSent }, 'The trailer signature we calculated does not match the signature you provided.');
    }
    return true;
  }
}
