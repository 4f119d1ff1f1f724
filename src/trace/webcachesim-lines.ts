import { parseWebcachesim } from './formats.ts';
import { LineParser } from './line-parser.ts';
import { asciiString, digits, isDigit } from './trace-bytes.ts';

/** webcachesim text: "time id size" separated by spaces or tabs, '#' comments, no header. */
export class WebcachesimLines extends LineParser {
  private readonly parseLine = (line: string, lineNumber: number) => parseWebcachesim(this.file, line, lineNumber);

  protected parseLines(data: Buffer, end: number): void {
    const details = this.options.details ?? false;
    for (let i = 0; i < end; ) {
      const start = i;
      const newline = data.indexOf(10, i);
      this.lineNumber++;
      // Fast path: digits, blanks, a printable ASCII key, blanks, digits, then blanks or more fields.
      let j = i;
      while (isDigit(data[j]!)) j++;
      const time = digits(data, i, j);
      const afterTime = j;
      while (data[j] === 32 || data[j] === 9) j++;
      const keyStart = j;
      while (data[j]! > 32 && data[j]! < 127) j++;
      const keyEnd = j;
      while (data[j] === 32 || data[j] === 9) j++;
      const sizeStart = j;
      while (isDigit(data[j]!)) j++;
      const size = digits(data, sizeStart, j);
      const next = data[j]!;
      const ok = time >= 0 && keyStart > afterTime && keyEnd > keyStart && sizeStart > keyEnd && size >= 0 && (next === 32 || next === 9 || next === 10 || next === 13);
      if (ok) {
        const interner = this.options.interner;
        if (interner) this.pushInterned(interner.intern(data, keyStart, keyEnd), size, time);
        else {
          const key = asciiString(data, keyStart, keyEnd);
          this.push(key, size, time, details ? { time, key, size } : undefined);
        }
      } else if (!this.slowLine(data, start, newline, this.parseLine)) {
        return;
      }
      i = newline + 1;
    }
  }
}
