/**
 * NAR serialisation and hashes against Nix 2.8 itself: `nix-store --dump`
 * for the bytes, `nix-hash --type sha256 --base32` for the hash, and
 * `nix-store --add` + `--query --hash/--size` for a real store path.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectBytes } from '../../../formats/bytes.js';
import { isDistrokitError } from '../../../formats/errors.js';
import { dumpNar, narBytes, narHash, narHashOfNode } from '../../../src/store/nar.js';
import { treeFromDirectory } from '../../../src/tree/from-dir.js';
import { FULLWIDTH_TILDE, GRINNING_FACE, makeRichTree, scratchDir } from './trees.js';

const NIX_ENV = { ...process.env, NIX_CONFIG: 'build-users-group =' };
const nix = (cmd: string, args: string[]) => execFileSync(cmd, args, { env: NIX_ENV, maxBuffer: 1 << 30 });

const work = scratchDir('nar');
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function ourNar(path: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  const size = await dumpNar(path, (c) => {
    parts.push(c);
  });
  const out = Buffer.concat(parts);
  expect(BigInt(out.length)).toBe(size);
  return out;
}

const nixHash = (path: string) => `sha256:${nix('nix-hash', ['--type', 'sha256', '--base32', path]).toString().trim()}`;

describe('NAR of host paths equals nix-store --dump', () => {
  const rich = join(work, 'rich');
  makeRichTree(rich);

  it('has names whose UTF-16 order differs from their byte order', () => {
    expect(FULLWIDTH_TILDE < GRINNING_FACE).toBe(false);
    expect(Buffer.compare(Buffer.from(FULLWIDTH_TILDE), Buffer.from(GRINNING_FACE))).toBe(-1);
  });

  it('a rich directory: same bytes, same hash', async () => {
    const theirs = nix('nix-store', ['--dump', rich]);
    const ours = await ourNar(rich);
    expect(ours.length).toBe(theirs.length);
    expect(ours.equals(theirs)).toBe(true);
    const { narHash: h, narSize } = await narHash(rich);
    expect(h).toBe(nixHash(rich));
    expect(narSize).toBe(BigInt(theirs.length));
    // The byte order put the tilde (EF BD 9E) before the face (F0 9F 98 80).
    expect(ours.indexOf(Buffer.from(FULLWIDTH_TILDE))).toBeLessThan(ours.indexOf(Buffer.from(GRINNING_FACE)));
  });

  it('the tree model of the same directory hashes the same', async () => {
    const tree = await treeFromDirectory(rich, { xattrs: false });
    const theirs = nix('nix-store', ['--dump', rich]);
    expect(Buffer.from(await collectBytes(narBytes(tree))).equals(theirs)).toBe(true);
    expect((await narHashOfNode(tree)).narHash).toBe(nixHash(rich));
  });

  it('executable is the owner x bit only: 0744 and 0700 are, 0654 and 0645 are not', async () => {
    for (const [mode, exec] of [[0o744, true], [0o700, true], [0o100, true], [0o654, false], [0o645, false], [0o611, false]] as const) {
      const f = join(work, `mode-${mode.toString(8)}`);
      writeFileSync(f, 'm');
      chmodSync(f, mode);
      const ours = await ourNar(f);
      expect(ours.equals(nix('nix-store', ['--dump', f])), mode.toString(8)).toBe(true);
      expect(ours.includes(Buffer.from('executable')), mode.toString(8)).toBe(exec);
    }
  });

  it('a single file, an empty file and a single symlink as the root', async () => {
    const single = join(work, 'single');
    writeFileSync(single, 'just one file\n');
    const empty = join(work, 'empty-root');
    writeFileSync(empty, '');
    const link = join(work, 'link-root');
    symlinkSync('/nix/store/some-target with space', link);
    const dangling = join(work, 'dangling-root');
    symlinkSync('nowhere', dangling);
    const emptyDir = join(work, 'empty-dir-root');
    mkdirSync(emptyDir);
    for (const p of [single, empty, link, dangling, emptyDir]) {
      expect((await ourNar(p)).equals(nix('nix-store', ['--dump', p])), p).toBe(true);
      expect((await narHash(p)).narHash, p).toBe(nixHash(p));
    }
  });

  it('names that are not UTF-8 are kept as raw bytes', async () => {
    const dir = join(work, 'latin1');
    mkdirSync(dir);
    const raw = Buffer.concat([Buffer.from(`${dir}/caf`), Buffer.from([0xe9]), Buffer.from('-\xff')]);
    writeFileSync(raw, 'latin-1 name');
    symlinkSync(Buffer.from([0x2e, 0x2f, 0xfe]), Buffer.concat([Buffer.from(`${dir}/link-`), Buffer.from([0xfe])]));
    const theirs = nix('nix-store', ['--dump', dir]);
    expect((await ourNar(dir)).equals(theirs)).toBe(true);
    expect(theirs.includes(Buffer.from([0x63, 0x61, 0x66, 0xe9]))).toBe(true);
    expect((await narHash(dir)).narHash).toBe(nixHash(dir));
  });

  it('nix-store --add: --query --hash and --size agree', async () => {
    const store = nix('nix-store', ['--add', rich]).toString().trim();
    expect(store).toMatch(/^\/nix\/store\/[0-9a-z]{32}-rich$/);
    const theirHash = nix('nix-store', ['--query', '--hash', store]).toString().trim();
    const theirSize = nix('nix-store', ['--query', '--size', store]).toString().trim();
    const ours = await narHash(store);
    expect(ours.narHash).toBe(theirHash);
    expect(ours.narSize.toString()).toBe(theirSize);
    // The store copy lost the modes but not the executable bit: same NAR as the source.
    expect((await narHash(rich)).narHash).toBe(theirHash);
  });
});

describe('NAR bad input', () => {
  it('a fifo is STORE_NAR_UNSUPPORTED_TYPE naming its path', async () => {
    const dir = join(work, 'with-fifo');
    mkdirSync(dir);
    writeFileSync(join(dir, 'ok'), 'ok');
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    const err = await narHash(dir).catch((e: unknown) => e);
    expect(isDistrokitError(err, 'STORE_NAR_UNSUPPORTED_TYPE')).toBe(true);
    expect((err as Error).message).toContain(join(dir, 'pipe'));
    // Nix refuses it too.
    expect(() => execFileSync('nix-store', ['--dump', dir], { env: NIX_ENV, stdio: 'pipe' })).toThrow(/unsupported type/);
  });

  it('a device node in the tree model is STORE_NAR_UNSUPPORTED_TYPE naming its path', async () => {
    const dir = join(work, 'with-dev');
    mkdirSync(dir);
    const tree = await treeFromDirectory(dir, { xattrs: false });
    tree.children.set('null', { type: 'chardev', major: 1, minor: 3, perm: 0o666, uid: 0, gid: 0, mtime: { sec: 0, nsec: 0 } });
    const err = await narHashOfNode(tree, '/nix/store/x-dev').catch((e: unknown) => e);
    expect(isDistrokitError(err, 'STORE_NAR_UNSUPPORTED_TYPE')).toBe(true);
    expect((err as Error).message).toContain('/nix/store/x-dev/null');
  });

  it('a missing path is STORE_NAR_UNREADABLE naming it', async () => {
    const missing = join(work, 'missing');
    const err = await narHash(missing).catch((e: unknown) => e);
    expect(isDistrokitError(err, 'STORE_NAR_UNREADABLE')).toBe(true);
    expect((err as { data: { file: string } }).data.file).toBe(missing);
    expect(lstatSync(work).isDirectory()).toBe(true);
  });
});
