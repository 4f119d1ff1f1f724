import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formatPath, topologySchema, type Topology } from './schema.ts';

/** A topology that cannot be used; `jsonPath` names the first offending field. */
export class TopologyError extends Error {
  constructor(
    readonly file: string,
    readonly jsonPath: string,
    detail: string,
  ) {
    super(`${file}: ${jsonPath}: ${detail}`);
    this.name = 'TopologyError';
  }
}

export interface LoadedTopology {
  file: string;
  /** The folder relative paths in the file (dataDir) are resolved against. */
  baseDir: string;
  topology: Topology;
}

export function loadTopologyFile(file: string): LoadedTopology {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new TopologyError(file, '(file)', `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TopologyError(file, '(root)', `not valid JSON: ${(error as Error).message}`);
  }
  return { file, baseDir: path.dirname(path.resolve(file)), topology: parseTopology(json, file) };
}

export function parseTopology(json: unknown, file = 'topology'): Topology {
  const result = topologySchema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    throw new TopologyError(file, formatPath([...issue.path, key]), 'unknown key');
  }
  throw new TopologyError(file, formatPath(issue.path), issue.message);
}
