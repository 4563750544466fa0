/**
 * The real .debs of the common Debian closure (fixtures/gen/debian-debs.sh)
 * and repacks with zstd, gzip and uncompressed data.tar: our listing equals
 * `dpkg-deb --fsys-tarfile` read by Python's tarfile, entry for entry with
 * content hashes; `deb info` equals `dpkg-deb -f`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chunked } from '../../../formats/bytes.js';
import { readDeb } from '../../../formats/deb/reader.js';
import { openArchive } from '../../../src/tree/archive.js';
import { listArchive, type ListingRow } from '../../../src/tree/listing.js';
import { debInfoText } from '../../../src/cli/package-info.js';
import { debsCache } from '../../helpers/cache.js';

const pool = readdirSync(debsCache.pool).filter((f) => f.endsWith('.deb')).sort().map((f) => join(debsCache.pool, f));
const repacked = readdirSync(debsCache.repacked).filter((f) => f.endsWith('.deb')).sort().map((f) => join(debsCache.repacked, f));
const all = [...pool, ...repacked];

let oracle: Record<string, ListingRow[]>;

async function list(input: Parameters<typeof openArchive>[0], file: string): Promise<ListingRow[]> {
  const archive = await openArchive(input, { file });
  const rows: ListingRow[] = [];
  for await (const row of listArchive(archive.entries)) rows.push(row);
  return rows;
}

beforeAll(() => {
  const out = execFileSync('/usr/bin/python3', ['test/helpers/tar-listing.py', 'deb', ...all], { maxBuffer: 1 << 30, encoding: 'utf8' });
  oracle = JSON.parse(out);
});

describe('real .debs of the common Debian closure', () => {
  it('covers at least 100 packages and every data.tar compression', async () => {
    expect(pool.length).toBeGreaterThanOrEqual(100);
    const compressions = new Set<string>();
    for (const file of all) compressions.add((await readDeb(readFileSync(file), { file })).dataCompression);
    expect([...compressions].sort()).toEqual(['bzip2', 'gzip', 'none', 'xz', 'zstd']);
  });

  it('archive list equals dpkg-deb --fsys-tarfile | tarfile for every package', async () => {
    let entries = 0;
    for (const file of all) {
      const rows = await list(file, file);
      expect(rows, file).toEqual(oracle[file]);
      entries += rows.length;
    }
    expect(entries).toBeGreaterThan(10_000);
  });

  it('deb info equals dpkg-deb -f for every package', async () => {
    for (const file of all) {
      const deb = await readDeb(readFileSync(file), { file });
      expect(debInfoText(deb), file).toBe(execFileSync('dpkg-deb', ['-f', file], { encoding: 'utf8' }));
    }
  });

  it('reads the same through whole-buffer, 64 KiB and 1-byte chunks', async () => {
    const small = repacked.filter((f) => f.includes('base-passwd')).concat(pool.filter((f) => /\/base-passwd_/.test(f)));
    for (const file of small) {
      const bytes = readFileSync(file);
      expect(await list(bytes, file)).toEqual(oracle[file]);
      expect(await list(chunked(bytes, 65536), file)).toEqual(oracle[file]);
      expect(await list(chunked(bytes, 1), file)).toEqual(oracle[file]);
    }
    const bigger = pool.find((f) => /\/bash_/.test(f))!;
    expect(await list(chunked(readFileSync(bigger), 65536), bigger)).toEqual(oracle[bigger]);
  });
});
