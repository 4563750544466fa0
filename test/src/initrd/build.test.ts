import { execFileSync, execSync } from 'node:child_process';
import { lstatSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInitrd, treeFromDirectory, treeFromSpec } from '../../../src/initrd/index.js';
import { decompressToBuffer } from '../../../formats/compress/index.js';
import { chunked } from '../../../formats/bytes.js';
import type { DirNode } from '../../../src/tree/types.js';
import { makeSampleTree, sha, snapshot, tempDir, toBuffer } from './helpers.js';

let work: string;
let src: string;
let tree: DirNode;

beforeAll(async () => {
  work = tempDir('initrd-build');
  src = join(work, 'src');
  mkdirSync(src);
  makeSampleTree(src);
  tree = await treeFromDirectory(src, { xattrs: false });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function extract(tool: 'cpio' | 'bsdtar', archive: Buffer, dest: string): void {
  mkdirSync(dest);
  if (tool === 'cpio') execFileSync('cpio', ['-idv', '--quiet', '--preserve-modification-time', '--no-absolute-filenames'], { cwd: dest, input: archive, stdio: ['pipe', 'ignore', 'pipe'] });
  else execFileSync('bsdtar', ['-xpf', '-'], { cwd: dest, input: archive });
}

describe('tree → newc initrd', () => {
  it.each(['cpio', 'bsdtar'] as const)('%s extracts our archive to exactly the source tree', async (tool) => {
    const archive = await toBuffer(buildInitrd(tree, { compression: 'none', mtime: 'preserve', owners: 'preserve' }));
    const dest = join(work, `x-${tool}`);
    extract(tool, archive, dest);
    // Directory mtimes are changed by the extraction of their children, so they are compared only for files.
    // GNU cpio -i never restores a symlink's own mtime (it has no lutimes path), so for it symlink times
    // are compared through its listing of the archive instead; bsdtar restores them and is compared fully.
    const symlinkTimes = tool === 'bsdtar';
    expect(snapshot(dest, { symlinkTimes })).toEqual(snapshot(src, { symlinkTimes }));
    if (!symlinkTimes) {
      const listing = execFileSync('cpio', ['-itv', '--quiet'], { input: archive, env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } }).toString();
      const srcTime = new Date(Number(lstatSync(join(src, 'symlink')).mtimeMs)).toUTCString().split(' ');
      expect(listing).toMatch(new RegExp(`${srcTime[2]} +${Number(srcTime[1])} +${srcTime[3]} symlink ->`));
    }
  });

  it('is byte-identical to GNU `cpio -o -H newc --reproducible` on the same normalised tree', async () => {
    const norm = join(work, 'norm');
    execFileSync('cp', ['-a', src, norm]);
    execSync(`find . -exec touch -h -d @1 {} + && chown -hR 0:0 .`, { cwd: norm });
    const gnu = execSync(`find . -mindepth 1 -printf '%P\\0' | LC_ALL=C sort -z | cpio -o -H newc --reproducible --null --quiet`, { cwd: norm, maxBuffer: 1 << 26 });
    const ours = await toBuffer(buildInitrd(await treeFromDirectory(norm, { xattrs: false }), { compression: 'none', mtime: 1 }));
    expect(ours.length).toBe(gnu.length);
    expect(sha(ours)).toBe(sha(gnu));
  });

  it('is deterministic and honours SOURCE_DATE_EPOCH', async () => {
    const a = await toBuffer(buildInitrd(tree));
    const b = await toBuffer(buildInitrd(await treeFromDirectory(src, { xattrs: false })));
    expect(sha(a)).toBe(sha(b));
    const old = process.env.SOURCE_DATE_EPOCH;
    process.env.SOURCE_DATE_EPOCH = '1700000000';
    try {
      const c = await toBuffer(buildInitrd(tree, { compression: 'none' }));
      const listing = execFileSync('cpio', ['-itv', '--quiet'], { input: c, env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } }).toString();
      expect(listing).toContain('Nov 14  2023');
      expect(execFileSync('cpio', ['-itv', '--quiet', '--numeric-uid-gid'], { input: c }).toString()).not.toMatch(/ 1234 /);
    } finally {
      if (old === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = old;
    }
  });

  it.each([
    ['gzip', ['gzip', '-dc']],
    ['lz4', ['lz4', '-dc']],
    ['zstd', ['zstd', '-dc']],
    ['xz', ['xz', '-dc']],
  ] as const)('%s output decompresses with the real tool and with our decoder to the plain archive', async (compression, cmd) => {
    const plain = await toBuffer(buildInitrd(tree, { compression: 'none' }));
    const packed = await toBuffer(buildInitrd(tree, { compression }));
    expect(packed.length).toBeLessThan(plain.length);
    expect(sha(execFileSync(cmd[0], cmd.slice(1), { input: packed, maxBuffer: 1 << 26 }))).toBe(sha(plain));
    expect(sha(await decompressToBuffer(packed))).toBe(sha(plain));
  });

  it('streams file data given in 1-byte and 64 KiB chunks, and writes "." first with includeRoot', async () => {
    const data = new Uint8Array(200_000).map((_, i) => (i * 31) & 0xff);
    const make = (chunks: Iterable<Uint8Array>): DirNode => ({
      type: 'dir', perm: 0o700, uid: 0, gid: 0, mtime: { sec: 5, nsec: 0 },
      children: new Map([['f', { type: 'file', perm: 0o644, uid: 0, gid: 0, mtime: { sec: 5, nsec: 0 }, size: data.length, content: { kind: 'lazy', open: async function* () { yield* chunks; } } }]]),
    });
    const whole = await toBuffer(buildInitrd(make([data]), { compression: 'none', includeRoot: true }));
    expect(sha(await toBuffer(buildInitrd(make(chunked(data, 1)), { compression: 'none', includeRoot: true })))).toBe(sha(whole));
    expect(sha(await toBuffer(buildInitrd(make(chunked(data, 65536)), { compression: 'none', includeRoot: true })))).toBe(sha(whole));
    expect(execFileSync('cpio', ['-it', '--quiet'], { input: whole }).toString()).toBe('.\nf\n');
    expect(execFileSync('cpio', ['-itv', '--quiet'], { input: whole }).toString()).toMatch(/^drwx------ +2 root +root +0 .* \.\n/);
  });

  it('puts prepended uncompressed archives first, 4-byte aligned', async () => {
    const micro = await toBuffer(buildInitrd(await treeFromSpec('dir kernel 755 0 0\n'), { compression: 'none' }));
    const odd = Buffer.from('abc');
    const out = await toBuffer(buildInitrd(tree, { prepend: [micro, odd] }));
    expect(out.subarray(0, micro.length).equals(micro)).toBe(true);
    expect(out.subarray(micro.length, micro.length + 4).equals(Buffer.from('abc\0'))).toBe(true);
    expect(out.subarray(micro.length + 4, micro.length + 6).equals(Buffer.from([0x1f, 0x8b]))).toBe(true);
  });

  it('builds from a gen_init_cpio spec, with owners and hard links', async () => {
    writeFileSync(join(work, 'payload'), 'payload\n');
    const spec = [
      '# comment',
      'dir /dev 755 0 0',
      'nod /dev/console 600 0 0 c 5 1',
      'dir /bin 755 0 0',
      'file /bin/tool payload 755 0 0 /bin/tool2',
      'slink /bin/sh tool 777 0 0',
      'pipe /fifo 644 0 0',
      'sock /sock 644 12 34',
    ].join('\n');
    writeFileSync(join(work, 'spec.txt'), spec);
    const built = await toBuffer(buildInitrd(await treeFromSpec(spec, join(work, 'spec.txt')), { compression: 'none', owners: 'preserve' }));
    const listing = execFileSync('cpio', ['-itv', '--quiet', '--numeric-uid-gid'], { input: built }).toString();
    expect(listing).toMatch(/crw------- +1 0 +0 +5, +1 .* dev\/console/);
    expect(listing).toMatch(/srw-r--r-- +1 12 +34 .* sock/);
    expect(listing).toMatch(/-rwxr-xr-x +2 0 +0 +8 .* bin\/tool2/);
    expect(listing).toMatch(/lrwxrwxrwx .* bin\/sh -> tool/);
    await expect(treeFromSpec('file /x nowhere 644 0 0', 'bad.spec')).rejects.toMatchObject({ code: 'SPEC_FILE_UNREADABLE', data: { file: 'bad.spec', line: 1 } });
    await expect(treeFromSpec('dir /a 755 0 0\nfoo /b', 'bad.spec')).rejects.toMatchObject({ code: 'SPEC_UNKNOWN_TYPE', data: { line: 2 } });
    await expect(treeFromSpec('dir /a/b 755 0 0', 'bad.spec')).rejects.toMatchObject({ code: 'SPEC_MISSING_PARENT' });
    await expect(treeFromSpec('dir /a 9755 0 0', 'bad.spec')).rejects.toMatchObject({ code: 'SPEC_BAD_MODE' });
  });
});
