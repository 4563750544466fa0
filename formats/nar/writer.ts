/**
 * A streaming NAR encoder, following the grammar of Nix's archive.cc:
 *
 *   nar       = str("nix-archive-1") node
 *   node      = str("(") str("type") body str(")")
 *   body      = str("regular") [str("executable") str("")] str("contents") str(bytes)
 *             | str("symlink") str("target") str(target)
 *             | str("directory") { str("entry") str("(") str("name") str(name) str("node") node str(")") }
 *   str(s)    = u64le(len(s)) s zero-padding-to-8
 *
 * Directory entries come in ascending order of their name bytes (std::map of
 * std::string in Nix), which is not JavaScript's UTF-16 string order.
 * File contents are streamed, never held whole; small tokens are gathered in
 * one buffer so a tree of many small files is not a flood of tiny chunks.
 */
import { DistrokitError } from '../errors.js';
import { NAR_MAGIC, type NarNode } from './node.js';

export type { NarNode, NarRegular, NarSymlink, NarDirectory } from './node.js';

const BUFFER = 64 * 1024;
const encoder = new TextEncoder();
const PADDING = new Uint8Array(8);

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.byteLength - b.byteLength;
}

/** Why Nix would refuse `name` as a directory entry, or null if it is fine. */
function badName(name: Uint8Array): string | null {
  if (name.byteLength === 0) return 'is empty';
  if (name.byteLength === 1 && name[0] === 0x2e) return "is '.'";
  if (name.byteLength === 2 && name[0] === 0x2e && name[1] === 0x2e) return "is '..'";
  if (name.includes(0x2f)) return "contains '/'";
  if (name.includes(0)) return 'contains a NUL byte';
  return null;
}

const decodeLossy = (b: Uint8Array) => new TextDecoder('utf-8').decode(b);

class Tokens {
  private buf = new Uint8Array(BUFFER);
  private used = 0;

  /** Takes a copy of what has been gathered (small: a file's header tokens, or one full buffer). */
  take(): Uint8Array | null {
    if (this.used === 0) return null;
    const chunk = this.buf.slice(0, this.used);
    this.used = 0;
    return chunk;
  }

  /** Appends raw bytes; returns a full chunk to emit first when the buffer would overflow. */
  raw(bytes: Uint8Array, out: Uint8Array[]): void {
    if (this.used + bytes.byteLength > this.buf.byteLength) {
      const full = this.take();
      if (full) out.push(full);
      if (bytes.byteLength > this.buf.byteLength) {
        out.push(bytes.slice());
        return;
      }
    }
    this.buf.set(bytes, this.used);
    this.used += bytes.byteLength;
  }

  u64(value: bigint, out: Uint8Array[]): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, value, true);
    this.raw(b, out);
  }

  str(s: string | Uint8Array, out: Uint8Array[]): void {
    const bytes = typeof s === 'string' ? encoder.encode(s) : s;
    this.u64(BigInt(bytes.byteLength), out);
    this.raw(bytes, out);
    const pad = (8 - (bytes.byteLength % 8)) % 8;
    if (pad) this.raw(PADDING.subarray(0, pad), out);
  }
}

/**
 * The NAR serialisation of `root` as chunks. `path` names the root in errors
 * (entries below it are named `path/name`). A regular file whose contents
 * are not exactly its size is STORE_NAR_SIZE_MISMATCH; a name Nix would not
 * accept (empty, '.', '..', with '/' or NUL, or twice in one directory) is
 * STORE_NAR_BAD_NAME.
 */
export async function* narChunks(root: NarNode, path = ''): AsyncGenerator<Uint8Array> {
  const tokens = new Tokens();
  const out: Uint8Array[] = [];
  tokens.str(NAR_MAGIC, out);
  yield* emit(root, path, tokens, out);
  const last = tokens.take();
  if (last) yield last;
}

async function* emit(node: NarNode, path: string, tokens: Tokens, out: Uint8Array[]): AsyncGenerator<Uint8Array> {
  tokens.str('(', out);
  tokens.str('type', out);
  if (node.type === 'regular') {
    tokens.str('regular', out);
    if (node.executable) {
      tokens.str('executable', out);
      tokens.str('', out);
    }
    tokens.str('contents', out);
    const size = BigInt(node.size);
    tokens.u64(size, out);
    yield* out.splice(0);
    const head = tokens.take();
    if (head) yield head;
    let seen = 0n;
    for await (const chunk of node.contents()) {
      if (chunk.byteLength === 0) continue;
      seen += BigInt(chunk.byteLength);
      if (seen > size) break;
      yield chunk;
    }
    if (seen !== size) {
      throw new DistrokitError('STORE_NAR_SIZE_MISMATCH', `contents of '${path || '/'}' ${seen > size ? 'exceed' : 'end before'} its size of ${size} bytes`, { entry: path || '/' });
    }
    const pad = Number((8n - (size % 8n)) % 8n);
    if (pad) tokens.raw(PADDING.subarray(0, pad), out);
  } else if (node.type === 'symlink') {
    tokens.str('symlink', out);
    tokens.str('target', out);
    tokens.str(node.target, out);
  } else {
    tokens.str('directory', out);
    const entries = [...node.entries()].sort((a, b) => compareBytes(a[0], b[0]));
    for (let k = 0; k < entries.length; k++) {
      const [name, child] = entries[k]!;
      const childPath = `${path.endsWith('/') ? path : `${path}/`}${decodeLossy(name)}`;
      const why = badName(name) ?? (k > 0 && compareBytes(entries[k - 1]![0], name) === 0 ? 'occurs twice' : null);
      if (why) throw new DistrokitError('STORE_NAR_BAD_NAME', `entry name ${JSON.stringify(decodeLossy(name))} of '${path || '/'}' ${why}`, { entry: childPath });
      tokens.str('entry', out);
      tokens.str('(', out);
      tokens.str('name', out);
      tokens.str(name, out);
      tokens.str('node', out);
      yield* emit(child, childPath, tokens, out);
      tokens.str(')', out);
    }
  }
  tokens.str(')', out);
  yield* out.splice(0);
}

/** Writes the NAR of `root` to `sink` chunk by chunk; returns its size in bytes. */
export async function writeNar(root: NarNode, sink: (chunk: Uint8Array) => void | Promise<void>, path = ''): Promise<bigint> {
  let size = 0n;
  for await (const chunk of narChunks(root, path)) {
    size += BigInt(chunk.byteLength);
    await sink(chunk);
  }
  return size;
}
