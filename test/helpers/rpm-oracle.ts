/** Runs rpm's own comparison functions (python3-rpm) over many inputs in one process. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./rpm-oracle.py', import.meta.url));

export type DepTuple = [string] | [string, string, string];

export interface OracleRequest {
  vercmp?: [string, string][];
  evr?: [string, string][];
  depmatch?: [DepTuple, DepTuple][];
}

export interface OracleAnswer {
  vercmp: number[];
  evr: number[];
  depmatch: boolean[];
}

export function askRpm(request: OracleRequest): OracleAnswer {
  const out = execFileSync('/usr/bin/python3', [SCRIPT], {
    input: JSON.stringify(request),
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(out.toString('utf8')) as OracleAnswer;
}

/** Small deterministic PRNG so generated cases are the same on every run. */
export { seededRandom as prng } from './random.js';
