/**
 * tar dialects written by Python's tarfile (pax with long paths, fractional
 * mtimes, large uids, xattrs incl. security.capability, a global header; GNU
 * with long names/links and base-256 numbers; ustar with the prefix field):
 * our listing equals tarfile's, through whole-buffer, 64 KiB and 1-byte chunks.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunked } from '../../../formats/bytes.js';
import { readTar } from '../../../formats/tar/reader.js';
import { listArchive, type ListingRow } from '../../../src/tree/listing.js';

const WRITER = String.raw`
import io, sys, tarfile
out, fmt = sys.argv[1], sys.argv[2]
FORMATS = {'pax': tarfile.PAX_FORMAT, 'gnu': tarfile.GNU_FORMAT, 'ustar': tarfile.USTAR_FORMAT}
glob = {'comment': 'global header'} if fmt == 'pax' else {}
tf = tarfile.open(out, 'w', format=FORMATS[fmt], pax_headers=glob)
def add(name, kind=tarfile.REGTYPE, data=b'', **kw):
    ti = tarfile.TarInfo(name); ti.type = kind; ti.mtime = kw.pop('mtime', 1700000000); ti.mode = kw.pop('mode', 0o644)
    ti.uname = kw.pop('uname', 'root'); ti.gname = kw.pop('gname', 'root')
    for k, v in kw.items(): setattr(ti, k, v)
    ti.size = len(data) if kind == tarfile.REGTYPE else 0
    tf.addfile(ti, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
deep = 'd' * 60 + '/' + 'e' * 60 + '/' + 'f' * 20
add('./' + deep, tarfile.DIRTYPE, mode=0o755)
add('./' + deep + '/file-in-a-deep-directory.txt', data=b'deep\n')
add('./setuid', data=b'#!/bin/sh\n', mode=0o4755)
add('./sticky', tarfile.DIRTYPE, mode=0o1777)
add('./link', tarfile.SYMTYPE, linkname='./' + ('d' * 60 if fmt == 'ustar' else deep + '/file-in-a-deep-directory.txt'))
add('./hard', tarfile.LNKTYPE, linkname='./setuid')
add('./null', tarfile.CHRTYPE, devmajor=1, devminor=3)
add('./loop0', tarfile.BLKTYPE, devmajor=7, devminor=0)
add('./fifo', tarfile.FIFOTYPE)
add('./big.bin', data=bytes(range(256)) * 300)
if fmt != 'ustar':
    add('./' + 'n' * 300, data=b'long name\n')
    add('./longlink', tarfile.SYMTYPE, linkname='t' * 200)
    add('./biguid', data=b'u', uid=3000000, gid=2500000)
    add('./ünïcödé-näme', data=b'utf-8\n', uname='üser', gname='gröup')
if fmt == 'pax':
    ti = tarfile.TarInfo('./capable'); ti.mtime = 1700000000; ti.size = 4; ti.uname = ti.gname = 'root'
    ti.pax_headers = {'mtime': '1700000000.123456789', 'SCHILY.xattr.security.capability': '\x01\x00\x00\x02\x00\x20\x00\x00', 'SCHILY.xattr.user.note': 'hello'}
    tf.addfile(ti, io.BytesIO(b'caps'))
if fmt == 'gnu':
    add('./before-1970', data=b'old', mtime=-86400)
tf.close()
`;

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'distrokit-tar-'));
  for (const fmt of ['pax', 'gnu', 'ustar']) execFileSync('/usr/bin/python3', ['-c', WRITER, join(work, `${fmt}.tar`), fmt]);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function list(input: Parameters<typeof readTar>[0]): Promise<ListingRow[]> {
  const rows: ListingRow[] = [];
  for await (const row of listArchive(readTar(input))) rows.push(row);
  return rows;
}

describe('tar reader against Python tarfile', () => {
  for (const fmt of ['pax', 'gnu', 'ustar']) {
    it(`${fmt}: listing equals tarfile's in every chunking`, async () => {
      const file = join(work, `${fmt}.tar`);
      const expected = JSON.parse(execFileSync('/usr/bin/python3', ['test/helpers/tar-listing.py', 'tar', file], { encoding: 'utf8' }))[file];
      const bytes = readFileSync(file);
      expect(expected.length).toBeGreaterThanOrEqual(10);
      expect(await list(bytes)).toEqual(expected);
      expect(await list(chunked(bytes, 65536))).toEqual(expected);
      expect(await list(chunked(bytes, 1))).toEqual(expected);
    });
  }

  it('pax: xattr values are raw bytes, mtime keeps nanoseconds', async () => {
    const entries = [];
    for await (const e of readTar(readFileSync(join(work, 'pax.tar')))) entries.push(e);
    const capable = entries.find((e) => e.path === './capable')!;
    expect(capable.mtime).toEqual({ sec: 1700000000, nsec: 123456789 });
    expect([...capable.xattrs!.get('security.capability')!]).toEqual([1, 0, 0, 2, 0, 0x20, 0, 0]);
    expect(new TextDecoder().decode(capable.xattrs!.get('user.note'))).toBe('hello');
  });

  it('gnu: base-256 numbers (large uid/gid, negative mtime)', async () => {
    const entries = [];
    for await (const e of readTar(readFileSync(join(work, 'gnu.tar')))) entries.push(e);
    expect(entries.find((e) => e.path === './biguid')).toMatchObject({ uid: 3000000, gid: 2500000 });
    expect(entries.find((e) => e.path === './before-1970')!.mtime).toEqual({ sec: -86400, nsec: 0 });
  });
});
