/**
 * A small tree with every file type and metadata edge case, built from a host
 * directory and checked against e2fsck, debugfs and the kernel (loop mount).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeExt4 } from '../../../src/image/write.js';
import { treeFromDirectory } from '../../../src/tree/from-dir.js';
import type { DirNode } from '../../../src/tree/types.js';
import { debugfs, expectE2fsckClean, loopAvailable, mount, sh, tempDir, umount } from './oracle.js';
import { snapshotDir, snapshotTree } from './snapshot.js';

const t = tempDir('ext4-small');
const src = join(t.dir, 'src');
const loop = loopAvailable();
const SDE = 1_700_000_000;

/** Every file type, hard links, symlinks of 1/59/60/4095 bytes, xattrs, ACLs, odd names, edge times and owners. */
const MAKE_TREE = `
mkdir -p src/dir/sub src/empty-dir src/sticky
printf hello > src/file && chmod 4755 src/file
touch src/sgid && chmod 2755 src/sgid && chmod 1777 src/sticky
ln src/file src/dir/hardlink
ln -s a src/s1
ln -s "$(printf 'b%.0s' $(seq 59))" src/s59
ln -s "$(printf 'c%.0s' $(seq 60))" src/s60
ln -s "$(printf 'd/%.0s' $(seq 2047))d" src/s4095
mkfifo src/fifo && mknod src/cdev c 1 3 && mknod src/bdev b 259 70000
/usr/bin/python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('src/sock')"
printf x > 'src/with space' && printf y > "src/new
line" && printf z > 'src/ünïcödé-名前' && printf w > "src/$(printf 'n%.0s' $(seq 255))"
head -c 300000 /dev/urandom > src/dir/random && : > src/empty
head -c 8192 /dev/urandom > src/dir/zero-middle && head -c 4096 /dev/zero >> src/dir/zero-middle && printf tail >> src/dir/zero-middle
touch src/owned && chown 4294967294:4294967294 src/owned
setfattr -n user.small -v abc src/file
setfattr -n user.big -v "$(printf 'v%.0s' $(seq 2000))" src/dir/random
setfattr -n security.capability -v 0x0100000200200000000000000000000000000000 src/dir/sub
setfacl -m u:1000:rx,g:100:r src/dir && setfacl -d -m u:1000:rwx src/dir
for f in t_neg:-1 t_zero:0 t_2_31:2147483648.123456789 t_2_33:8589934592.999999999; do touch "src/\${f%%:*}"; touch -h -d "@\${f#*:}" "src/\${f%%:*}"; done
touch -h -d @2147483648.5 src/s1
`;

let tree: DirNode;
let img: string;

beforeAll(async () => {
  sh(MAKE_TREE, t.dir);
  tree = await treeFromDirectory(src);
  img = join(t.dir, 'small.img');
  await writeExt4(tree, img, { uuid: '01234567-89ab-cdef-0123-456789abcdef' });
});
afterAll(() => (process.env.DISTROKIT_KEEP_TMP ? undefined : t.cleanup()));

/** Kernel checks fail loudly (never skip silently) where loop devices are missing. */
function requireLoop(): void {
  if (!loop.ok) throw new Error(`loop mounts are unavailable here (${loop.why}): the kernel checks cannot run`);
}

const readHost = (n: { content: { kind: string } }): Uint8Array => {
  const c = n.content as { kind: 'range'; path: string };
  return readFileSync(c.path);
};

describe('small tree with every file type', () => {
  it('is e2fsck-clean, with the default feature set and an empty journal', () => {
    expectE2fsckClean(img);
    const dump = sh(`dumpe2fs -h '${img}' 2>/dev/null`);
    expect(/Filesystem features:\s+(.*)/.exec(dump)![1]!.trim().split(' ').sort()).toEqual(
      ['64bit', 'dir_index', 'dir_nlink', 'ext_attr', 'extent', 'extra_isize', 'filetype', 'flex_bg', 'has_journal', 'huge_file', 'large_file', 'metadata_csum', 'sparse_super'],
    );
    expect(dump).toMatch(/Filesystem flags:\s+signed_directory_hash/);
    expect(dump).toMatch(/Journal inode:\s+8/);
    expect(dump).toMatch(/Journal start:\s+0\n/);
    expect(dump).toMatch(/Filesystem state:\s+clean\n/);
  });

  it('debugfs shows the same contents, link targets, inode fields and xattrs', () => {
    const out = join(t.dir, 'rdump');
    mkdirSync(out);
    debugfs(img, `rdump / ${out}`);
    for (const name of ['file', 'dir/random', 'dir/zero-middle', 'with space', 'ünïcödé-名前', 'new\nline']) {
      expect(createHash('sha256').update(readFileSync(join(out, name))).digest('hex'), name).toBe(createHash('sha256').update(readFileSync(join(src, name))).digest('hex'));
    }
    const stat = debugfs(img, 'stat /t_2_33');
    expect(stat).toMatch(/mtime: 0x00000000:ee6b27fe/); // 2^33 s: low word 0, extra = (999999999 << 2) | 2
    expect(debugfs(img, 'stat /owned')).toMatch(/User:\s+-2\s+Group:\s+-2/) // debugfs prints 4294967294 as a signed -2;
    expect(debugfs(img, 'stat /s59')).toMatch(/Fast link dest: "b{59}"/);
    expect(debugfs(img, 'stat /s60')).toMatch(/EXTENTS:\n\(0\):\d+/);
    const ea = debugfs(img, 'ea_list /dir/random');
    expect(ea).toContain('user.big (2000)');
    expect(debugfs(img, 'ea_list /file')).toContain('user.small (3) = "abc"');
    expect(debugfs(img, 'stat /dir/random')).toMatch(/File ACL: [1-9]\d*/); // the 2000-byte value lives in a block
  });

  it('the kernel (loop mount, ro) shows exactly the source tree', () => {
    requireLoop();
    const mnt = join(t.dir, 'mnt');
    mkdirSync(mnt, { recursive: true });
    mount(img, mnt, 'ro');
    try {
      const want = snapshotTree(tree, readHost as never);
      const got = snapshotDir(mnt);
      expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
    } finally {
      umount(mnt);
    }
  });

  it('the kernel mounts it read-write, writes and deletes, and e2fsck stays clean', async () => {
    requireLoop();
    const rw = join(t.dir, 'rw.img');
    await writeExt4(tree, rw, { extraBlocks: 2048, extraInodes: 512 });
    const mnt = join(t.dir, 'mnt-rw');
    mkdirSync(mnt, { recursive: true });
    mount(rw, mnt, 'rw');
    try {
      sh(`cd '${mnt}' && head -c 200000 /dev/urandom > new-file && mkdir -p new/dir && for i in $(seq 200); do echo $i > new/dir/f$i; done && rm -f dir/random 'with space' && rm -rf empty-dir && echo more >> file`);
    } finally {
      umount(mnt);
    }
    expectE2fsckClean(rw);
  });

  it('resize2fs grows a fresh image and e2fsck stays clean', async () => {
    const rw = join(t.dir, 'grow.img');
    await writeExt4(tree, rw, {});
    const before = Number(/Block count:\s+(\d+)/.exec(sh(`dumpe2fs -h '${rw}' 2>/dev/null`))![1]);
    sh(`truncate -s +256M '${rw}' && resize2fs '${rw}' 2>&1`);
    const after = Number(/Block count:\s+(\d+)/.exec(sh(`dumpe2fs -h '${rw}' 2>/dev/null`))![1]);
    expect(after).toBeGreaterThan(before + 60000);
    expectE2fsckClean(rw);
  });
});

describe('reproducibility', () => {
  it('two differently-ordered, differently-timed copies give the same image; uuid and SOURCE_DATE_EPOCH change it', async () => {
    // Copy B is created in reverse order, later: other inode numbers, readdir order and ctimes.
    // Read the source once first so relatime's atime updates happen before either copy exists.
    // Copy B is then created in reverse order, later: other host inode numbers, readdir order and ctimes.
    sh(
      `find src -type f -exec cat {} + > /dev/null && cp -a src copyA && mkdir copyB && ` +
        `find src -mindepth 1 -maxdepth 1 -print0 | sort -zr | xargs -0 cp -a -t copyB/ && touch -r src copyB`,
      t.dir,
    );
    const build = async (dir: string, name: string, extra: object = {}): Promise<string> => {
      const out = join(t.dir, name);
      await writeExt4(await treeFromDirectory(join(t.dir, dir)), out, { sourceDateEpoch: SDE, ...extra });
      return createHash('sha256').update(readFileSync(out)).digest('hex');
    };
    const a = await build('copyA', 'a.img');
    const b = await build('copyB', 'b.img');
    expect(b).toBe(a);
    expectE2fsckClean(join(t.dir, 'a.img'));
    expect(await build('copyA', 'c.img', { uuid: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' })).not.toBe(a);
    expect(await build('copyA', 'd.img', { sourceDateEpoch: SDE + 1 })).not.toBe(a);
    // The image file keeps unused space as holes.
    expect(statSync(join(t.dir, 'a.img')).blocks * 512).toBeLessThan(statSync(join(t.dir, 'a.img')).size);
  });
});
