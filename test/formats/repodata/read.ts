/** How the repodata tests read: the three input paths every reader is tested through, and a whole repository. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chunked } from '../../../formats/bytes.js';
import { findData, parseFilelists, parsePrimary, parseRepomd } from '../../../formats/repodata/index.js';

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export const INPUTS = {
  whole: (b: Uint8Array) => b,
  '64KiB chunks': (b: Uint8Array) => chunked(b, 64 * 1024),
  '1-byte chunks': (b: Uint8Array) => chunked(b, 1),
} as const;

/** Reads repomd.xml, then the primary and filelists it names. */
export async function readRepo(dir: string, input: (b: Uint8Array) => Uint8Array | Iterable<Uint8Array>) {
  const repomd = await parseRepomd(input(readFileSync(join(dir, 'repodata/repomd.xml'))), { file: 'repomd.xml' });
  const primaryData = findData(repomd, 'primary')!;
  const filelistsData = findData(repomd, 'filelists')!;
  const primaryBytes = readFileSync(join(dir, primaryData.location.href));
  const filelistsBytes = readFileSync(join(dir, filelistsData.location.href));
  const primary = await collect(parsePrimary(input(primaryBytes), { file: primaryData.location.href }));
  const filelists = await collect(parseFilelists(input(filelistsBytes), { file: filelistsData.location.href }));
  return { repomd, primary, filelists, primaryBytes };
}
