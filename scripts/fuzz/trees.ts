/**
 * Random host trees for `ext4 build --from` and `initrd build --from`: odd and
 * long names (also not UTF-8), deep paths, symlinks of every length class,
 * hard links, FIFOs, device nodes, sockets, xattrs, odd modes and times.
 * Built by materialize-tree.py from a list of operations, since Node cannot
 * create FIFOs, device nodes or xattrs.
 */
import { spawnSync } from 'node:child_process';
import { join as joinPath } from 'node:path';
import { REPO } from './paths.js';
import type { Rng } from './prng.js';

const MATERIALIZE = joinPath(REPO, 'scripts/fuzz/materialize-tree.py');

type Op = Record<string, unknown> & { op: string; path: string };

const enc = new TextEncoder();
const hex = (bytes: Uint8Array | number[]) => Buffer.from(bytes).toString('hex');

function name(rng: Rng, notUtf8: boolean): Uint8Array {
  const choices: (() => Uint8Array | number[])[] = [
    () => enc.encode(`f${rng.int(1000)}`),
    () => enc.encode(rng.pick(['.hidden', '-dash', 'with space', 'new\nline', 'tab\t', 'back\\slash', 'q"uote', "it's", '%s%n', '*?[', ':colon', 'lost+found', '...', '..a', 'a..'])),
    () => enc.encode(rng.pick(['grüße', '日本語', '😀', 'e\u0301'])),
    () => enc.encode('n'.repeat(rng.pick([254, 255, 256]))),
    () => enc.encode(`${'x'.repeat(rng.range(1, 40))}${rng.int(100)}`),
  ];
  // Names that are not UTF-8 are refused as a whole (TREE_BAD_NAME): only now and then, or no tree would get further.
  if (notUtf8 && rng.chance(0.2)) return Uint8Array.from(rng.pick([[0xff, 0xfe, 0x61], [0xc3], [0x80, 0x2e]]));
  return Uint8Array.from(rng.pick(choices)());
}

function join(dir: Uint8Array, leaf: Uint8Array): Uint8Array {
  if (dir.length === 0) return leaf;
  return Uint8Array.from([...dir, 0x2f, ...leaf]);
}

/** The operations that build one random tree (parents always come before children). */
export function randomTree(rng: Rng): Op[] {
  const ops: Op[] = [];
  const dirs: Uint8Array[] = [new Uint8Array()];
  const files: Uint8Array[] = [];
  const all: Uint8Array[] = [];
  const count = rng.pick([3, 10, 30, 80]);
  const notUtf8 = rng.chance(0.1);
  for (let i = 0; i < count; i++) {
    const parent = rng.pick(dirs);
    const path = join(parent, name(rng, notUtf8));
    all.push(path);
    const kind = rng.int(20);
    if (kind < 4) {
      ops.push({ op: 'dir', path: hex(path) });
      dirs.push(path);
    } else if (kind < 10) {
      const size = rng.pick([0, 1, 59, 60, 61, 4095, 4096, 4097, 65536, 200_000]);
      ops.push({ op: 'file', path: hex(path), size, fill: rng.int(256) });
      files.push(path);
    } else if (kind < 11) {
      ops.push({ op: 'file', path: hex(path), size: rng.pick([1 << 20, 8 << 20]), sparse: true });
      files.push(path);
    } else if (kind < 14) {
      const target = rng.pick<() => Uint8Array>([
        () => enc.encode('target'),
        () => enc.encode('../../../../etc/passwd'),
        () => enc.encode('/etc/passwd'),
        () => enc.encode('x'.repeat(rng.pick([59, 60, 61, 4095]))),
        () => path,
        () => rng.pick(all),
        () => Uint8Array.from([0xff, 0x2f, 0x2e, 0x2e]),
      ])();
      ops.push({ op: 'symlink', path: hex(path), target: hex(target.length > 0 ? target : enc.encode('.')) });
    } else if (kind < 16 && files.length > 0) {
      const target = rng.pick(files);
      for (let n = rng.pick([1, 1, 3, 70]); n > 0; n--) ops.push({ op: 'hardlink', path: hex(n === 1 ? path : Uint8Array.from([...path, 0x2d, ...enc.encode(String(n))])), target: hex(target) });
    } else if (kind < 17) ops.push({ op: 'fifo', path: hex(path) });
    else if (kind < 18) ops.push({ op: rng.pick(['chardev', 'blockdev']), path: hex(path), major: rng.pick([0, 1, 5, 8, 259, 4095]), minor: rng.pick([0, 1, 255, 256, 1048575]) });
    else if (kind < 19) ops.push({ op: 'socket', path: hex(path) });
    else {
      // A long directory chain: paths past 4096 bytes.
      let deep = parent;
      for (let d = rng.pick([10, 30]); d > 0; d--) {
        deep = join(deep, enc.encode('d'.repeat(200)));
        ops.push({ op: 'dir', path: hex(deep) });
      }
      dirs.push(deep);
    }
  }
  decorate(rng, ops, all);
  return ops;
}

/** xattrs, modes, times and owners on random entries. */
function decorate(rng: Rng, ops: Op[], all: Uint8Array[]): void {
  for (let n = rng.int(8); n > 0 && all.length > 0; n--) {
    const path = hex(rng.pick(all));
    switch (rng.int(4)) {
      case 0: {
        const xname = rng.pick(['user.a', 'user.big', 'security.selinux', 'trusted.t', `user.${'k'.repeat(250)}`, 'user.empty']);
        const len = rng.pick([0, 1, 60, 1000, 3000, 4000, 65000]);
        ops.push({ op: 'xattr', path, name: xname, value: hex(new Uint8Array(len).fill(0x76)) });
        if (rng.chance(0.3)) for (let i = 0; i < 40; i++) ops.push({ op: 'xattr', path, name: `user.many${i}`, value: hex(enc.encode(`v${i}`)) });
        break;
      }
      case 1:
        ops.push({ op: 'chmod', path, mode: rng.pick([0, 0o7777, 0o4755, 0o2755, 0o1777, 0o111]) });
        break;
      case 2:
        ops.push({ op: 'utime', path, ns: rng.pick(['-1', '0', '-2147483648000000000', '2147483647999999999', '2147483648000000000', '17179869184000000123', '1700000000123456789']) });
        break;
      default:
        ops.push({ op: 'chown', path, uid: rng.pick([0, 1000, 65534, 65535, 65536, 4294967294]), gid: rng.pick([0, 100, 65536]) });
    }
  }
}

export function materializeTree(root: string, ops: Op[]): void {
  const r = spawnSync('/usr/bin/python3', [MATERIALIZE, root], { input: JSON.stringify(ops), encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`fuzz: materialize-tree.py failed: ${r.stderr}`);
}
