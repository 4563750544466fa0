/**
 * Small shared pieces of the index fetchers (debian-index.ts, rpm-index.ts):
 * where a mirror's files go, writing a verified file atomically, and the
 * state file that says which verified files a signed index produced.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeOutputFile } from '../tree/output-file.js';

/** The directory name for a mirror: its URL without scheme, '/' as '_' (as apt names its lists). */
export function mirrorKey(mirror: string): string {
  const u = new URL(mirror);
  const path = `${u.host}${u.pathname}`.replace(/\/+$/, '');
  return path.replace(/[^A-Za-z0-9.-]+/g, '_') || 'mirror';
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes bytes that were verified in memory: temp file, then rename (never a partial file under the name). */
export function writeVerified(path: string, bytes: Uint8Array): Promise<void> {
  return writeOutputFile(path, 'FETCH_OUTPUT_UNWRITABLE', async (fh) => {
    await fh.writeFile(bytes);
  });
}

export async function fileExists(path: string): Promise<boolean> {
  return stat(path).then(
    (st) => st.isFile(),
    () => false,
  );
}

/** The record of one fetch: the signed document's hash and the verified files it named, by relative path. */
export interface FetchState<F extends { sha256: string } = { sha256: string; url: string }> {
  version: 1;
  /** sha256 of the signed document (the Release text, repomd.xml). */
  signed: string;
  signers: string[];
  files: Record<string, F>;
}

export const STATE_FILE = 'distrokit-state.json';

export async function readFetchState<F extends { sha256: string }>(dir: string): Promise<FetchState<F> | undefined> {
  try {
    const state = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as FetchState<F>;
    return state.version === 1 && typeof state.signed === 'string' && state.files && typeof state.files === 'object' ? state : undefined;
  } catch {
    return undefined;
  }
}

export function writeFetchState(dir: string, state: FetchState<{ sha256: string }>): Promise<void> {
  return writeVerified(join(dir, STATE_FILE), new TextEncoder().encode(`${JSON.stringify(state, null, 2)}\n`));
}

/** Whether the state names `path` and the file there still has the hash it was written with. */
export async function intactFile(dir: string, path: string, state: FetchState<{ sha256: string }> | undefined): Promise<boolean> {
  const want = state?.files[path];
  if (!want) return false;
  try {
    return sha256Hex(await readFile(join(dir, path))) === want.sha256;
  } catch {
    return false;
  }
}
