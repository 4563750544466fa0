/**
 * RPMs built with rpmbuild (gzip, xz and zstd payloads) and converted from
 * real .debs by alien (fixtures/gen/rpms.sh): header fields equal
 * `rpm -qp --qf`, the file list equals `rpm -qp --dump`, and the payload
 * listing equals `rpm2cpio | bsdtar` (converted to pax, read by Python's
 * tarfile), through whole-buffer, 64 KiB and 1-byte chunks for the small ones.
 */
import { execFileSync, execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunked } from '../../../formats/bytes.js';
import { isDistrokitError } from '../../../formats/errors.js';
import { readRpm } from '../../../formats/rpm/reader.js';
import { RPMFILE } from '../../../formats/rpm/tags.js';
import { RPM_INFO_QUERYFORMAT, rpmInfoText } from '../../../src/cli/package-info.js';
import { listArchive, type ListingRow } from '../../../src/tree/listing.js';
import { rpmsCache } from '../../helpers/cache.js';
import { MemoryStore } from '../../../src/tree/content-store.js';
import { addEntriesToTree } from '../../../src/tree/from-entries.js';
import { Tree } from '../../../src/tree/tree.js';

const built = readdirSync(rpmsCache.built).sort().map((f) => join(rpmsCache.built, f));
const alien = readdirSync(rpmsCache.alien).sort().map((f) => join(rpmsCache.alien, f));
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'distrokit-rpm-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function oracleListing(file: string): ListingRow[] {
  const pax = join(work, `${file.split('/').pop()}.pax.tar`);
  execSync(`rpm2cpio '${file}' | bsdtar -cf '${pax}' --format pax @-`);
  const rows: ListingRow[] = JSON.parse(execFileSync('/usr/bin/python3', ['test/helpers/tar-listing.py', 'tar', pax], { encoding: 'utf8', maxBuffer: 1 << 28 }))[pax];
  return rows.map(({ uname: _u, gname: _g, ...row }) => row);
}

async function ourListing(input: Parameters<typeof readRpm>[0], file: string): Promise<ListingRow[]> {
  const rpm = await readRpm(input, { file });
  const rows: ListingRow[] = [];
  for await (const row of listArchive(rpm.payload)) rows.push(row);
  return rows;
}

/**
 * Hard-link sets: cpio gives every name a header and the data to one of them
 * (rpm: the last), bsdtar's tar conversion makes other names tar hard links.
 * Names in a set are compared without size and hash here; the tree test
 * below checks that they end up as one inode with the right content.
 */
function withoutLinkData(rows: ListingRow[], linked: Set<string>): Partial<ListingRow>[] {
  return rows.map((row) => {
    if (!linked.has(row.path)) return row;
    const { size: _s, sha256: _h, linkTarget: _l, ...rest } = row;
    return { ...rest, type: 'file' };
  });
}

function linkedPaths(oracle: ListingRow[]): Set<string> {
  const set = new Set<string>();
  for (const row of oracle) if (row.type === 'hardlink') set.add(row.path).add(row.linkTarget!);
  return set;
}

function dumpLines(info: Awaited<ReturnType<typeof readRpm>>['info']): string {
  const zero = info.digestAlgo === 'md5' ? 32 : info.digestAlgo === 'sha1' ? 40 : 64;
  return info.files
    .map((f) =>
      [
        f.path,
        f.size,
        f.mtime,
        f.digest || '0'.repeat(zero),
        `0${f.mode.toString(8)}`,
        f.user,
        f.group,
        f.flags & RPMFILE.CONFIG ? 1 : 0,
        f.flags & RPMFILE.DOC ? 1 : 0,
        f.rdev,
        f.linkTarget || 'X',
      ].join(' '),
    )
    .map((l) => `${l}\n`)
    .join('');
}

describe('RPM reader against rpm, rpm2cpio and bsdtar', () => {
  it('has rpmbuild packages with gzip, xz and zstd payloads and at least 3 alien conversions', async () => {
    const compressions = [];
    for (const file of built) compressions.push((await readRpm(readFileSync(file), { file })).payloadCompression);
    expect(compressions.sort()).toEqual(['gzip', 'xz', 'zstd']);
    expect(alien.length).toBeGreaterThanOrEqual(3);
  });

  for (const file of [...built, ...alien]) {
    const name = file.split('/').pop()!;
    it(`${name}: header fields equal rpm -qp --qf, files equal rpm -qp --dump, payload equals rpm2cpio`, async () => {
      const rpm = await readRpm(readFileSync(file), { file });
      expect(rpmInfoText(rpm.info)).toBe(execFileSync('rpm', ['-qp', '--qf', RPM_INFO_QUERYFORMAT, file], { encoding: 'utf8' }));
      expect(dumpLines(rpm.info)).toBe(execFileSync('rpm', ['-qp', '--dump', file], { encoding: 'utf8', maxBuffer: 1 << 28 }));
      const ours = await ourListing(readFileSync(file), file);
      const oracle = oracleListing(file);
      const linked = linkedPaths(oracle);
      expect(withoutLinkData(ours, linked)).toEqual(withoutLinkData(oracle, linked));
      expect(ours.length).toBeGreaterThan(5);
    });
  }

  it('scriptlets, epoch and versioned dependencies of the rpmbuild package', async () => {
    const { info } = await readRpm(readFileSync(built[0]!));
    expect(info).toMatchObject({ name: 'distrokit-fixture', epoch: 2, version: '1.2', release: '3', arch: 'x86_64' });
    expect(info.scriptlets.prein).toEqual({ prog: '/bin/sh', script: 'echo pre-install' });
    expect(info.scriptlets.postin).toEqual({ prog: '/bin/sh', script: 'echo post-install' });
    expect(info.requires).toContainEqual({ name: 'libfoo', flags: 12, version: '1.0' });
    expect(info.conflicts).toEqual([{ name: 'old-fixture', flags: 2, version: '1.0' }]);
    expect(info.files.find((f) => f.path === '/var/lib/fixture/state')!.flags & RPMFILE.GHOST).toBeTruthy();
  });

  it('hard-link sets become one inode in the tree, with the content rpm recorded', async () => {
    const rpm = await readRpm(readFileSync(built[0]!));
    const tree = new Tree();
    await addEntriesToTree(tree, rpm.payload, { store: new MemoryStore(), owner: rpm.info.name });
    const hard1 = tree.lookup('/usr/share/fixture/hard1');
    expect(hard1).toBe(tree.lookup('/usr/share/fixture/hard2'));
    expect(hard1?.type).toBe('file');
    const content = hard1?.type === 'file' && hard1.content.kind === 'bytes' ? hard1.content.data : new Uint8Array();
    const digest = createHash('sha256').update(content).digest('hex');
    expect(digest).toBe(rpm.info.files.find((f) => f.path === '/usr/share/fixture/hard2')!.digest);
  });

  it('reads the same through 64 KiB and 1-byte chunks', async () => {
    for (const file of built) {
      const bytes = readFileSync(file);
      const whole = await ourListing(bytes, file);
      expect(await ourListing(chunked(bytes, 65536), file)).toEqual(whole);
      expect(await ourListing(chunked(bytes, 1), file)).toEqual(whole);
    }
  });

  it('a truncated package is RPM_TRUNCATED or a truncated payload, never a short listing', async () => {
    const bytes = readFileSync(built[0]!);
    for (const cut of [50, 200, 2000, bytes.byteLength - 100]) {
      const err = await ourListing(bytes.subarray(0, cut), 'cut.rpm').catch((e: unknown) => e);
      expect(isDistrokitError(err), `cut at ${cut}`).toBe(true);
      expect((err as { code: string }).code).toMatch(/TRUNCATED/);
    }
  });
});
