/**
 * cpio archives written by the real tools (GNU cpio -H newc/crc/odc, bsdtar
 * --format newc/odc) from one directory: our listing equals bsdtar's
 * conversion of the same archive to pax read by Python's tarfile, through
 * whole-buffer, 64 KiB and 1-byte chunks. Hard links are checked by
 * extraction against `cpio -idm`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync, linkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunked } from '../../../formats/bytes.js';
import { readCpio } from '../../../formats/cpio/reader.js';
import { isDistrokitError } from '../../../formats/errors.js';
import { listArchive, type ListingRow } from '../../../src/tree/listing.js';
import { MemoryStore } from '../../../src/tree/content-store.js';
import { addEntriesToTree } from '../../../src/tree/from-entries.js';
import { writeTreeToDirectory } from '../../../src/tree/sink-dir.js';
import { Tree } from '../../../src/tree/tree.js';

let work: string;
const archives: Record<string, string> = {};

function sh(command: string, cwd: string): void {
  execFileSync('bash', ['-c', command], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeSource(root: string, withLinks: boolean): void {
  mkdirSync(join(root, 'dir/sub'), { recursive: true });
  writeFileSync(join(root, 'empty'), '');
  writeFileSync(join(root, 'one'), 'x');
  writeFileSync(join(root, 'three'), 'abc');
  const big = new Uint8Array(70_001);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
  writeFileSync(join(root, 'dir/sub/big.bin'), big);
  writeFileSync(join(root, 'dir/grüße ünïcode'), 'utf-8 name\n');
  writeFileSync(join(root, 'suid'), '#!/bin/sh\n');
  chmodSync(join(root, 'suid'), 0o4755);
  chmodSync(join(root, 'dir/sub'), 0o1777);
  symlinkSync('dir/sub/big.bin', join(root, 'link'));
  sh('mknod cdev c 1 3 && mkfifo fifo', root);
  if (withLinks) {
    linkSync(join(root, 'three'), join(root, 'dir/three-again'));
    linkSync(join(root, 'three'), join(root, 'three-third'));
  }
  sh('find . -exec touch -h -d @1700000000 {} +', root);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'distrokit-cpio-'));
  for (const [name, links] of [['src', false], ['links', true]] as const) {
    const root = join(work, name);
    mkdirSync(root);
    makeSource(root, links);
  }
  const src = join(work, 'src');
  for (const format of ['newc', 'crc', 'odc']) {
    archives[`gnu-${format}`] = join(work, `gnu-${format}.cpio`);
    sh(`find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H ${format} > ${archives[`gnu-${format}`]}`, src);
  }
  for (const format of ['newc', 'odc']) {
    archives[`bsdtar-${format}`] = join(work, `bsdtar-${format}.cpio`);
    sh(`find . -mindepth 1 | LC_ALL=C sort | bsdtar -n -cf ${archives[`bsdtar-${format}`]} --format ${format} -T -`, src);
  }
  archives['gnu-newc-links'] = join(work, 'gnu-newc-links.cpio');
  sh(`find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc > ${archives['gnu-newc-links']}`, join(work, 'links'));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

function oracle(archive: string): ListingRow[] {
  const pax = `${archive}.pax.tar`;
  execFileSync('bash', ['-c', `bsdtar -cf ${pax} --format pax @${archive}`]);
  const out = JSON.parse(execFileSync('/usr/bin/python3', ['test/helpers/tar-listing.py', 'tar', pax], { encoding: 'utf8' }));
  // cpio has no user or group names; bsdtar's pax conversion may invent none either.
  return (out[pax] as ListingRow[]).map(({ uname: _u, gname: _g, ...row }) => row);
}

async function list(input: Parameters<typeof readCpio>[0]): Promise<ListingRow[]> {
  const rows: ListingRow[] = [];
  for await (const row of listArchive(readCpio(input))) rows.push(row);
  return rows;
}

describe('cpio reader against GNU cpio and bsdtar', () => {
  for (const name of ['gnu-newc', 'gnu-crc', 'gnu-odc', 'bsdtar-newc', 'bsdtar-odc']) {
    it(`${name}: listing equals bsdtar → pax → tarfile, in every chunking`, async () => {
      const bytes = readFileSync(archives[name]!);
      const expected = oracle(archives[name]!);
      expect(expected.length).toBe(11);
      expect(await list(bytes)).toEqual(expected);
      expect(await list(chunked(bytes, 65536))).toEqual(expected);
      expect(await list(chunked(bytes, 1))).toEqual(expected);
    });
  }

  it('crc: a corrupted data byte is CPIO_BAD_CHECKSUM', async () => {
    const bytes = new Uint8Array(readFileSync(archives['gnu-crc']!));
    const at = Buffer.from(bytes).indexOf('abc');
    bytes[at] = 'b'.charCodeAt(0);
    const err = await list(bytes).catch((e: unknown) => e);
    expect(isDistrokitError(err, 'CPIO_BAD_CHECKSUM')).toBe(true);
    expect((err as { data: { entry: string } }).data.entry).toBe('three');
  });

  it('hard links: extraction matches cpio -idm (one inode, shared content)', async () => {
    const tree = new Tree();
    await addEntriesToTree(tree, readCpio(chunked(readFileSync(archives['gnu-newc-links']!), 1)), { store: new MemoryStore() });
    const ours = join(work, 'ours');
    await writeTreeToDirectory(tree, ours);
    const theirs = join(work, 'theirs');
    mkdirSync(theirs);
    sh(`cpio --quiet -idm --no-absolute-filenames < ${archives['gnu-newc-links']}`, theirs);
    for (const dir of [ours, theirs]) {
      const a = statSync(join(dir, 'three'));
      expect(statSync(join(dir, 'dir/three-again')).ino).toBe(a.ino);
      expect(statSync(join(dir, 'three-third')).ino).toBe(a.ino);
      expect(a.nlink).toBe(3);
      expect(readFileSync(join(dir, 'dir/three-again'), 'utf8')).toBe('abc');
    }
    // cpio -idm restores the mtimes of regular files only; compare the others without times.
    const inventory = (dir: string) =>
      execFileSync('bash', ['-c', `cd ${dir} && { find . -type f -printf '%M %s %T@ %p\\n'; find . ! -type f -printf '%M %s %p %l\\n'; } | LC_ALL=C sort`], { encoding: 'utf8' });
    const tree1 = inventory(ours);
    const tree2 = inventory(theirs);
    // The pure-Node sink cannot mknod: the device and the FIFO are reported as skipped instead.
    const withoutSpecial = (s: string) => s.split('\n').filter((l) => !/ \.\/(cdev|fifo) /.test(l)).join('\n');
    expect(withoutSpecial(tree1)).toBe(withoutSpecial(tree2));
  });
});
