/**
 * The directory sink on every kind of file content (inline bytes, spool
 * ranges, lazy streams): bytes, modes (setuid included), mtimes of files,
 * symlinks, hard links and directories as lstat sees them, and typed errors
 * when a content is shorter than its node says.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DistrokitError } from '../../../formats/errors.js';
import { SpoolStore } from '../../../src/tree/content-store.js';
import { writeTreeToDirectory } from '../../../src/tree/sink-dir.js';
import { newDir, Tree } from '../../../src/tree/tree.js';
import type { FileContent, FileNode } from '../../../src/tree/types.js';

const sandbox = mkdtempSync(join(tmpdir(), 'distrokit-sink-dir-'));
afterAll(() => rmSync(sandbox, { recursive: true, force: true }));
let run = 0;
const fresh = () => join(sandbox, `out-${run++}`);

const MTIME = { sec: 1_600_000_000, nsec: 0 };

function file(content: FileContent, size: number, perm = 0o644, sec = MTIME.sec): FileNode {
  return { type: 'file', perm, uid: 0, gid: 0, mtime: { sec, nsec: 0 }, size, content };
}

async function* pieces(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield new TextEncoder().encode(p);
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

describe('writeTreeToDirectory', () => {
  it('writes bytes, spool ranges and lazy contents with their modes and times', async () => {
    const store = new SpoolStore({ dir: sandbox, inlineMax: 0 });
    const big = new Uint8Array(3 * 1024 * 1024 + 7).map((_, i) => (i * 31) & 0xff);
    const ranged = await store.put(once(big), big.byteLength);
    await store.flush();
    expect(ranged.kind).toBe('range');
    const tree = new Tree();
    tree.add('/etc', newDir({ perm: 0o755, mtime: { sec: 1_500_000_000, nsec: 0 } }));
    tree.add('/etc/inline', file({ kind: 'bytes', data: new TextEncoder().encode('inline\n') }, 7, 0o640));
    tree.add('/usr/bin/su', file(ranged, big.byteLength, 0o4755, 1_400_000_000));
    tree.add('/usr/bin/lazy', file({ kind: 'lazy', open: () => pieces('la', 'zy\n') }, 5, 0o755));
    tree.add('/usr/bin/empty', file({ kind: 'bytes', data: new Uint8Array(0) }, 0, 0o600));
    tree.add('/usr/bin/sh', { type: 'symlink', perm: 0o777, uid: 0, gid: 0, mtime: MTIME, target: 'lazy' });
    tree.link('/usr/bin/su-again', '/usr/bin/su');
    const out = fresh();
    const result = await writeTreeToDirectory(tree, out);
    await store.close();

    expect(result).toMatchObject({ files: 4, symlinks: 1, hardlinks: 1, bytes: 7 + big.byteLength + 5 });
    expect(readFileSync(join(out, 'etc/inline'), 'utf8')).toBe('inline\n');
    expect(readFileSync(join(out, 'usr/bin/lazy'), 'utf8')).toBe('lazy\n');
    expect(Buffer.compare(readFileSync(join(out, 'usr/bin/su')), Buffer.from(big))).toBe(0);
    expect(readFileSync(join(out, 'usr/bin/empty')).byteLength).toBe(0);
    expect(readlinkSync(join(out, 'usr/bin/sh'))).toBe('lazy');
    const su = lstatSync(join(out, 'usr/bin/su'));
    expect(su.mode & 0o7777).toBe(0o4755);
    expect(su.mtimeMs).toBe(1_400_000_000_000);
    expect(su.nlink).toBe(2);
    expect(lstatSync(join(out, 'usr/bin/su-again')).ino).toBe(su.ino);
    expect(lstatSync(join(out, 'etc/inline')).mode & 0o7777).toBe(0o640);
    expect(lstatSync(join(out, 'usr/bin/lazy')).mtimeMs).toBe(MTIME.sec * 1000);
    expect(lstatSync(join(out, 'usr/bin/empty')).mode & 0o7777).toBe(0o600);
    // Directories are finished after everything written into them.
    expect(lstatSync(join(out, 'etc')).mtimeMs).toBe(1_500_000_000_000);
  });

  it('fails with SOURCE_TRUNCATED when a spool range ends early', async () => {
    const spool = join(sandbox, `short-${run++}.bin`);
    writeFileSync(spool, 'only ten b');
    const tree = new Tree();
    tree.add('/f', file({ kind: 'range', path: spool, offset: 4, length: 100 }, 100));
    const err = await writeTreeToDirectory(tree, fresh()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DistrokitError);
    expect((err as DistrokitError).code).toBe('SOURCE_TRUNCATED');
  });

  it('fails with SINK_SIZE_MISMATCH when bytes or a lazy stream disagree with the size', async () => {
    for (const content of [{ kind: 'bytes', data: new Uint8Array(3) } as const, { kind: 'lazy', open: () => pieces('ab') } as const]) {
      const tree = new Tree();
      tree.add('/f', file(content, 4));
      const err = await writeTreeToDirectory(tree, fresh()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DistrokitError);
      expect((err as DistrokitError).code).toBe('SINK_SIZE_MISMATCH');
    }
  });

  it('fails with SINK_TARGET_UNUSABLE naming the target when it is a file or lies under one', async () => {
    const plain = join(sandbox, 'a-file');
    writeFileSync(plain, 'x');
    for (const [target, errno] of [[plain, 'EEXIST'], [join(plain, 'sub'), 'ENOTDIR']] as const) {
      const err = await writeTreeToDirectory(new Tree(), target).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DistrokitError);
      expect((err as DistrokitError).code).toBe('SINK_TARGET_UNUSABLE');
      expect((err as DistrokitError).data).toMatchObject({ file: target, errno });
    }
  });

  it('fails with SINK_WRITE_FAILED when the host refuses a node, and leaves no partial tree (fuzzer finding)', async () => {
    // Linux refuses symlink targets of 4096 bytes or more (ENAMETOOLONG); tar and cpio carry them.
    const build = () => {
      const tree = new Tree();
      tree.add('/etc/kept', file({ kind: 'bytes', data: new TextEncoder().encode('x') }, 1));
      tree.add('/long', { type: 'symlink', perm: 0o777, uid: 0, gid: 0, mtime: MTIME, target: 'a/'.repeat(3000) });
      return tree;
    };
    const absent = fresh();
    const err = await writeTreeToDirectory(build(), absent).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DistrokitError);
    expect((err as DistrokitError).code).toBe('SINK_WRITE_FAILED');
    expect((err as DistrokitError).data.file).toBe(absent);
    expect(existsSync(absent)).toBe(false);
    // A target that existed (empty) stays, empty again.
    const empty = fresh();
    mkdirSync(empty);
    const again = await writeTreeToDirectory(build(), empty).catch((e: unknown) => e);
    expect((again as DistrokitError).code).toBe('SINK_WRITE_FAILED');
    expect(readdirSync(empty)).toEqual([]);
  });

  it('writes a hard link to a symlink as a second name of the symlink (fuzzer finding)', async () => {
    const tree = new Tree();
    tree.add('/s', { type: 'symlink', perm: 0o777, uid: 0, gid: 0, mtime: MTIME, target: 'nowhere' });
    tree.link('/h', '/s');
    const out = fresh();
    const result = await writeTreeToDirectory(tree, out);
    expect(result.hardlinks).toBe(1);
    expect(readlinkSync(join(out, 'h'))).toBe('nowhere');
    expect(lstatSync(join(out, 'h')).ino).toBe(lstatSync(join(out, 's')).ino);
  });
});
