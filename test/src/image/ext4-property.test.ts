/** Random trees (fast-check): every image is e2fsck-clean and the kernel reads back exactly the tree. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { writeExt4 } from '../../../src/image/write.js';
import type { DirNode, TreeNode } from '../../../src/tree/types.js';
import { expectE2fsckClean, loopAvailable, mount, tempDir, umount } from './oracle.js';
import { snapshotDir, snapshotTree } from './snapshot.js';

const t = tempDir('ext4-prop');
afterAll(() => t.cleanup());

const nameArb = fc
  .array(fc.constantFrom('a', 'b', 'Z', '0', ' ', '-', '.', 'é', '名', '\n', '_'), { minLength: 1, maxLength: 12 })
  .map((cs) => cs.join(''))
  .filter((n) => n !== '.' && n !== '..');
const timeArb = fc.record({ sec: fc.integer({ min: -(2 ** 31), max: 2 ** 33 + 2 ** 31 - 1 }), nsec: fc.integer({ min: 0, max: 999_999_999 }) });
const metaArb = fc.record({
  perm: fc.integer({ min: 0, max: 0o7777 }),
  uid: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xfffffffe })),
  gid: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xfffffffe })),
  mtime: timeArb,
  atime: timeArb,
  ctime: timeArb,
});
const xattrArb = fc
  .dictionary(fc.stringMatching(/^[a-z]{1,12}$/), fc.uint8Array({ maxLength: 600 }), { maxKeys: 4 })
  .map((d) => new Map(Object.entries(d).map(([k, v]) => [`user.${k}`, v])));
const contentArb = fc.oneof(
  fc.uint8Array({ maxLength: 9000 }),
  // block-sized zero runs become holes
  fc.tuple(fc.integer({ min: 0, max: 4 }), fc.uint8Array({ minLength: 1, maxLength: 100 })).map(([zeros, tail]) => {
    const out = new Uint8Array(zeros * 4096 + tail.byteLength);
    out.set(tail, zeros * 4096);
    return out;
  }),
);

const leafArb: fc.Arbitrary<TreeNode> = fc.oneof(
  fc.tuple(metaArb, contentArb, xattrArb).map(([m, data, xattrs]) => ({ type: 'file' as const, size: data.byteLength, content: { kind: 'bytes' as const, data }, ...m, xattrs })),
  fc.tuple(metaArb, fc.string({ minLength: 1, maxLength: 120 }).filter((s) => !s.includes('\0') && new TextEncoder().encode(s).byteLength < 4096)).map(([m, target]) => ({ type: 'symlink' as const, target, ...m })),
  fc.tuple(metaArb, fc.constantFrom('chardev' as const, 'blockdev' as const), fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 0, max: 0xfffff })).map(([m, type, major, minor]) => ({ type, major, minor, ...m })),
  fc.tuple(metaArb, fc.constantFrom('fifo' as const, 'socket' as const)).map(([m, type]) => ({ type, ...m })),
);

const treeArb: fc.Arbitrary<DirNode> = fc.letrec<{ dir: DirNode; node: TreeNode }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafArb, tie('dir')),
  dir: fc.tuple(metaArb, fc.uniqueArray(fc.tuple(nameArb, tie('node')), { maxLength: 8, selector: ([n]) => n })).map(([m, children]) => ({ type: 'dir' as const, children: new Map(children), ...m, perm: m.perm | 0o700 })),
})).dir;

/** Adds a hard link to the first regular file found, so link sharing is exercised. */
function withHardLink(root: DirNode): DirNode {
  const files: TreeNode[] = [];
  const walk = (d: DirNode): void => d.children.forEach((c) => (c.type === 'file' ? files.push(c) : c.type === 'dir' ? walk(c) : undefined));
  walk(root);
  if (files.length) root.children.set('hard link', files[0]!);
  root.children.delete('lost+found');
  return root;
}

describe('random trees', () => {
  it('are e2fsck-clean and read back exactly through the kernel', async () => {
    const loop = loopAvailable();
    if (!loop.ok) throw new Error(`loop mounts are unavailable here (${loop.why}): the kernel check cannot run`);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(treeArb.map(withHardLink), fc.boolean(), async (tree, unsignedHash) => {
        const img = join(t.dir, `p${n}.img`);
        const mnt = join(t.dir, `m${n++}`);
        await writeExt4(tree, img, { unsignedHash });
        expectE2fsckClean(img);
        mkdirSync(mnt);
        mount(img, mnt, 'ro');
        try {
          const want = snapshotTree(tree, (f) => (f.content as { data: Uint8Array }).data);
          expect(Object.fromEntries(snapshotDir(mnt))).toEqual(Object.fromEntries(want));
        } finally {
          umount(mnt);
        }
      }),
      { numRuns: 25, seed: 20261122 },
    );
    expect(n).toBe(25);
  });
});
