import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FunctionSpec } from '../functions/types.ts';
import { formatPath, topologySchema, type FunctionConfig, type Topology } from './schema.ts';

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

/** A function's configuration as the edge and the checks take it: its file resolved against the topology's folder. */
export function functionSpecOf(config: FunctionConfig, baseDir: string): FunctionSpec {
  return {
    id: config.id,
    file: path.resolve(baseDir, config.file),
    runtime: config.runtime,
    triggers: config.triggers,
    ...(config.edges ? { edges: config.edges } : {}),
    ...(config.viewerTimeoutMs !== undefined ? { viewerTimeoutMs: config.viewerTimeoutMs } : {}),
    ...(config.originTimeoutMs !== undefined ? { originTimeoutMs: config.originTimeoutMs } : {}),
  };
}

/** The functions an edge runs, in the topology's order. */
export function functionsForEdge(loaded: LoadedTopology, edgeId: string): FunctionSpec[] {
  return loaded.topology.functions
    .filter((config) => config.edges === undefined || config.edges.includes(edgeId))
    .map((config) => functionSpecOf(config, loaded.baseDir));
}
