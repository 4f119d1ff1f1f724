import { TraceFormatError } from '../trace/trace-request.ts';

/** An error as it crosses from a worker thread (structured clone keeps only plain data). */
export interface SentError {
  name: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

export function sendableError(caught: unknown): SentError {
  const error = caught instanceof Error ? caught : new Error(String(caught));
  return {
    name: error.name,
    message: error.message,
    ...(error instanceof TraceFormatError ? { file: error.file, line: error.line, column: error.column } : {}),
  };
}

/** The error again on this side: a format error keeps its file:line:column, a RangeError its class. */
export function revivedError({ name, message, file, line, column }: SentError): Error {
  if (name === 'TraceFormatError' && file !== undefined && line !== undefined && column !== undefined) {
    return new TraceFormatError(file, line, column, message.slice(`${file}:${line}:${column}: `.length));
  }
  return name === 'RangeError' ? new RangeError(message) : new Error(message);
}
