/**
 * The kernel's `gen_init_cpio` spec language, one member per line:
 *
 *   file  <name> <location> <mode> <uid> <gid> [<hard links>…]
 *   dir   <name> <mode> <uid> <gid>
 *   nod   <name> <mode> <uid> <gid> <b|c> <major> <minor>
 *   slink <name> <target> <mode> <uid> <gid>
 *   pipe  <name> <mode> <uid> <gid>
 *   sock  <name> <mode> <uid> <gid>
 *
 * Modes are octal; '#' starts a comment. Parents must be listed before their
 * children (the kernel does not create missing directories either).
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve, dirname } from 'node:path';
import { DistrokitError } from '../../formats/errors.js';
import type { DirNode, NodeMeta, TreeNode } from '../tree/types.js';

const ARITY: Record<string, [number, number]> = {
  file: [6, Infinity],
  dir: [5, 5],
  nod: [8, 8],
  slink: [6, 6],
  pipe: [5, 5],
  sock: [5, 5],
};

function emptyRoot(): DirNode {
  return { type: 'dir', perm: 0o755, uid: 0, gid: 0, mtime: { sec: 0, nsec: 0 }, children: new Map() };
}

/** Reads a gen_init_cpio list file and parses it (SPEC_UNREADABLE naming it when it cannot be read). */
export async function treeFromSpecFile(specFile: string): Promise<DirNode> {
  let text: string;
  try {
    text = await readFile(specFile, 'utf8');
  } catch (err) {
    throw DistrokitError.wrap(err, 'SPEC_UNREADABLE', { file: specFile });
  }
  return treeFromSpec(text, specFile);
}

/** Parses a spec into a tree; file locations are resolved relative to the spec file's directory. */
export async function treeFromSpec(text: string, specFile = '<spec>'): Promise<DirNode> {
  const root = emptyRoot();
  const base = specFile.startsWith('<') ? process.cwd() : dirname(resolve(specFile));
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/#.*/, '').trim();
    if (!line) continue;
    const at = { file: specFile, line: i + 1 };
    const words = line.split(/\s+/);
    const kind = words[0]!;
    const arity = ARITY[kind];
    if (!arity) throw new DistrokitError('SPEC_UNKNOWN_TYPE', `unknown entry type '${kind}'`, { ...at, column: 1 });
    if (words.length < arity[0] || words.length > arity[1]) {
      throw new DistrokitError('SPEC_BAD_FIELDS', `'${kind}' takes ${arity[0] - 1} fields, got ${words.length - 1}`, at);
    }
    const name = words[1]!;
    const modeIdx = kind === 'file' || kind === 'slink' ? 3 : 2;
    const meta = parseMeta(words, modeIdx, at);
    let node: TreeNode;
    switch (kind) {
      case 'dir':
        node = { ...meta, type: 'dir', children: new Map() };
        break;
      case 'file': {
        const path = resolve(base, words[2]!);
        const st = await stat(path).catch((err: unknown) => {
          throw DistrokitError.wrap(err, 'SPEC_FILE_UNREADABLE', { ...at, path });
        });
        if (!st.isFile()) throw new DistrokitError('SPEC_FILE_UNREADABLE', `${path} is not a regular file`, at);
        node = { ...meta, type: 'file', size: st.size, content: { kind: 'range', path, offset: 0, length: st.size } };
        break;
      }
      case 'slink':
        node = { ...meta, type: 'symlink', target: words[2]! };
        break;
      case 'nod': {
        const devType = words[5];
        if (devType !== 'b' && devType !== 'c') throw new DistrokitError('SPEC_BAD_FIELDS', `device type '${devType}' is not b or c`, at);
        node = { ...meta, type: devType === 'b' ? 'blockdev' : 'chardev', major: parseNumber(words[6]!, 'major', at), minor: parseNumber(words[7]!, 'minor', at) };
        break;
      }
      case 'pipe':
        node = { ...meta, type: 'fifo' };
        break;
      default:
        node = { ...meta, type: 'socket' };
    }
    place(root, name, node, at);
    if (kind === 'file') for (const link of words.slice(6)) place(root, link, node, at);
  }
  return root;
}

function parseNumber(word: string, what: string, at: { file: string; line: number }): number {
  if (!/^\d+$/.test(word)) throw new DistrokitError('SPEC_BAD_FIELDS', `${what} '${word}' is not a number`, at);
  return Number(word);
}

function parseMeta(words: string[], modeIdx: number, at: { file: string; line: number }): NodeMeta {
  const mode = words[modeIdx]!;
  if (!/^[0-7]{1,4}$/.test(mode)) throw new DistrokitError('SPEC_BAD_MODE', `mode '${mode}' is not octal permission bits`, at);
  return {
    perm: parseInt(mode, 8),
    uid: parseNumber(words[modeIdx + 1]!, 'uid', at),
    gid: parseNumber(words[modeIdx + 2]!, 'gid', at),
    mtime: { sec: 0, nsec: 0 },
  };
}

function place(root: DirNode, name: string, node: TreeNode, at: { file: string; line: number }): void {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..')) throw new DistrokitError('SPEC_BAD_NAME', `bad member name '${name}'`, at);
  let dir = root;
  for (const part of parts.slice(0, -1)) {
    const next = dir.children.get(part);
    if (!next || next.type !== 'dir') throw new DistrokitError('SPEC_MISSING_PARENT', `parent of '${name}' is not a listed directory`, at);
    dir = next;
  }
  const last = parts[parts.length - 1]!;
  if (dir.children.has(last)) throw new DistrokitError('SPEC_DUPLICATE', `'${name}' is listed twice`, at);
  dir.children.set(last, node);
}
