/**
 * NAR serialisation and NAR hashes of store paths, from the tree model (so an
 * image builder hashes exactly the nodes it writes, in the same walk) or
 * straight from a host path (names as raw bytes, as Nix reads them).
 */
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { DistrokitError } from '../../formats/errors.js';
import { nixBase32Encode } from '../../formats/nar/base32.js';
import type { NarNode } from '../../formats/nar/node.js';
import { narChunks } from '../../formats/nar/writer.js';
import { contentChunks } from '../tree/sink-dir.js';
import type { FileContent, TreeNode } from '../tree/types.js';

export interface NarHashResult {
  /** 'sha256:' and the Nix base-32 digest, as `nix path-info --json` and closureInfo write it. */
  narHash: string;
  narSize: bigint;
}

/** What to serialise: a tree node, or a host path (file, symlink or directory; not followed). */
export type NarSource = TreeNode | string;

const encoder = new TextEncoder();

/** Nix's rule (archive.cc): a regular file is executable when the owner may execute it. */
function isExecutable(perm: number): boolean {
  return (perm & 0o100) !== 0;
}

function unsupported(type: string, path: string): DistrokitError {
  return new DistrokitError('STORE_NAR_UNSUPPORTED_TYPE', `'${path}' is a ${type}, which a NAR cannot hold`, { entry: path });
}

/** A file's bytes: small host-file ranges in one synchronous read (see SYNC_READ_MAX), anything else through contentChunks. */
async function* fileChunks(content: FileContent): AsyncGenerator<Uint8Array> {
  if (content.kind === 'range' && BigInt(content.length) <= SYNC_READ_MAX) yield readSmallFile(content.path, content.length, content.offset);
  else yield* contentChunks(content);
}

/** A tree node as a NAR node; `path` names it in errors. */
export function narNodeOfTree(node: TreeNode, path = '/'): NarNode {
  switch (node.type) {
    case 'file':
      return { type: 'regular', executable: isExecutable(node.perm), size: node.size, contents: () => fileChunks(node.content) };
    case 'symlink':
      return { type: 'symlink', target: node.target };
    case 'dir':
      return {
        type: 'directory',
        *entries() {
          for (const [name, child] of node.children) yield [encoder.encode(name), narNodeOfTree(child, path === '/' ? `/${name}` : `${path}/${name}`)];
        },
      };
    default:
      throw unsupported(node.type, path);
  }
}

type HostPath = string | Buffer;
const show = (path: HostPath) => (typeof path === 'string' ? path : path.toString());

function lstatOrThrow(path: HostPath) {
  try {
    return lstatSync(path, { bigint: true });
  } catch (err) {
    throw DistrokitError.wrap(err, 'STORE_NAR_UNREADABLE', { file: show(path) });
  }
}

/** A host path as a NAR node, read lazily as the writer walks it; names stay raw bytes (a Buffer path). */
export function narNodeOfHostPath(path: HostPath): NarNode {
  const st = lstatOrThrow(path);
  if (st.isFile()) {
    return { type: 'regular', executable: (st.mode & 0o100n) !== 0n, size: st.size, contents: () => hostFileChunks(path, st.size) };
  }
  if (st.isSymbolicLink()) {
    try {
      return { type: 'symlink', target: new Uint8Array(readlinkSync(path, { encoding: 'buffer' })) };
    } catch (err) {
      throw DistrokitError.wrap(err, 'STORE_NAR_UNREADABLE', { file: show(path) });
    }
  }
  if (st.isDirectory()) {
    return {
      type: 'directory',
      *entries() {
        let names: Buffer[];
        try {
          names = readdirSync(path, { encoding: 'buffer' });
        } catch (err) {
          throw DistrokitError.wrap(err, 'STORE_NAR_UNREADABLE', { file: show(path) });
        }
        const base = Buffer.concat([Buffer.from(path), SLASH]);
        for (const name of names) yield [new Uint8Array(name), narNodeOfHostPath(Buffer.concat([base, name]))];
      },
    };
  }
  const type = st.isFIFO() ? 'fifo' : st.isSocket() ? 'socket' : st.isCharacterDevice() ? 'character device' : 'block device';
  throw unsupported(type, show(path));
}

const SLASH = Buffer.from('/');

/** Files up to this size are read in one synchronous call: per-file async opens and reads are thread-pool round trips that dominate trees of small files. */
const SYNC_READ_MAX = 1n << 20n;

async function* hostFileChunks(path: HostPath, size: bigint): AsyncGenerator<Uint8Array> {
  if (size <= SYNC_READ_MAX) {
    yield readSmallFile(path, Number(size));
    return;
  }
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw DistrokitError.wrap(err, 'STORE_NAR_UNREADABLE', { file: show(path) });
  }
  try {
    let left = size;
    while (left > 0n) {
      const buf = new Uint8Array(Number(left < 1n << 20n ? left : 1n << 20n));
      let n: number;
      try {
        ({ bytesRead: n } = await handle.read(buf, 0, buf.byteLength, null));
      } catch (err) {
        throw DistrokitError.wrap(err, 'STORE_NAR_UNREADABLE', { file: show(path) });
      }
      // A file that shrank while read: the writer reports the size mismatch.
      if (n === 0) return;
      yield buf.subarray(0, n);
      left -= BigInt(n);
    }
  } finally {
    await handle.close();
  }
}

function readSmallFile(path: HostPath, size: number, offset = 0): Uint8Array {
  const buf = new Uint8Array(size);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    let at = 0;
    while (at < size) {
      const n = readSync(fd, buf, at, size - at, offset + at);
      // A file that shrank while read: the writer reports the size mismatch.
      if (n === 0) return buf.subarray(0, at);
      at += n;
    }
    return buf;
  } catch (err) {
    throw DistrokitError.wrap(err, 'STORE_NAR_UNREADABLE', { file: show(path) });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function narNodeOf(source: NarSource): [NarNode, string] {
  return typeof source === 'string' ? [narNodeOfHostPath(source), source] : [narNodeOfTree(source), ''];
}

/** The NAR bytes of `source` as chunks (what `nix-store --dump` prints). */
export function narBytes(source: NarSource): AsyncGenerator<Uint8Array> {
  const [node, path] = narNodeOf(source);
  return narChunks(node, path);
}

/** Writes the NAR of `source` to `sink`; returns its size. */
export async function dumpNar(source: NarSource, sink: (chunk: Uint8Array) => void | Promise<void>): Promise<bigint> {
  let size = 0n;
  for await (const chunk of narBytes(source)) {
    size += BigInt(chunk.byteLength);
    await sink(chunk);
  }
  return size;
}

/** sha256 of the NAR as 'sha256:<nix base-32>' and its size, as `nix-store --query --hash` and `--query --size` give. */
export async function narHashOfNar(node: NarNode, path = ''): Promise<NarHashResult> {
  const hash = createHash('sha256');
  let size = 0n;
  for await (const chunk of narChunks(node, path)) {
    hash.update(chunk);
    size += BigInt(chunk.byteLength);
  }
  return { narHash: `sha256:${nixBase32Encode(hash.digest())}`, narSize: size };
}

/** The NAR hash and size of a host path (file, symlink or directory), as `nix-hash --type sha256 --base32` computes. */
export async function narHash(hostPath: string): Promise<NarHashResult> {
  return narHashOfNar(narNodeOfHostPath(hostPath), hostPath);
}

/** The NAR hash and size of a tree node (a store path's subtree), so one walk both hashes and writes it. */
export async function narHashOfNode(node: TreeNode, path = '/'): Promise<NarHashResult> {
  return narHashOfNar(narNodeOfTree(node, path), path);
}
