/**
 * Mutations of an RPM repository directory (repodata/repomd.xml and the files
 * it names): wrong hrefs, checksums and sizes in repomd.xml, missing or
 * swapped data files, and mutated primary/filelists XML behind a repomd.xml
 * whose checksum and size are fixed up so that the mutation reaches the parser.
 */
import { createHash } from 'node:crypto';
import { compressionOf, pack, unpack } from './codec.js';
import { mutateDeep } from './mutate-deep.js';
import { mutateText } from './mutate-text.js';
import type { Rng } from './prng.js';

export type FileSet = Map<string, Uint8Array>;

const enc = new TextEncoder();
const dec = new TextDecoder('latin1');
const REPOMD = 'repodata/repomd.xml';

interface DataBlock {
  type: string;
  start: number;
  end: number;
  href?: string;
}

function blocks(repomd: string): DataBlock[] {
  return [...repomd.matchAll(/<data type="([^"]*)">[\s\S]*?<\/data>/g)].map((m) => ({
    type: m[1]!,
    start: m.index!,
    end: m.index! + m[0].length,
    href: /<location href="([^"]*)"/.exec(m[0])?.[1],
  }));
}

function replaceInBlock(repomd: string, block: DataBlock, pattern: RegExp, replacement: string): string {
  const text = repomd.slice(block.start, block.end).replace(pattern, replacement);
  return repomd.slice(0, block.start) + text + repomd.slice(block.end);
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function mutateRepodata(rng: Rng, input: FileSet): { files: FileSet; what: string } {
  const files = new Map(input);
  const repomd = dec.decode(files.get(REPOMD) ?? new Uint8Array());
  const bs = blocks(repomd);
  const block = bs.length > 0 ? rng.pick(bs) : undefined;
  const set = (text: string) => files.set(REPOMD, enc.encode(text));
  const op = block ? rng.int(12) : 0;
  if (op === 0 || !block) {
    const m = mutateText(rng, files.get(REPOMD) ?? new Uint8Array());
    files.set(REPOMD, m.data);
    return { files, what: `repomd.xml ${m.what}` };
  }
  switch (op) {
    case 1: {
      const href = rng.pick(['repodata/missing-primary.xml.gz', '../../../etc/passwd', '/etc/passwd', '', 'repodata/', 'http://127.0.0.1:9/x.xml.gz', 'repodata/repomd.xml', '%2e%2e/x']);
      set(replaceInBlock(repomd, block, /href="[^"]*"/, `href="${href}"`));
      return { files, what: `repomd ${block.type}: href = ${JSON.stringify(href)}` };
    }
    case 2: {
      const sum = rng.pick(['0'.repeat(64), 'zz', '', 'f'.repeat(128), sha256(enc.encode('other'))]);
      set(replaceInBlock(repomd, block, /<checksum type="[^"]*">[^<]*</, `<checksum type="sha256">${sum}<`));
      return { files, what: `repomd ${block.type}: checksum = ${JSON.stringify(sum)}` };
    }
    case 3: {
      const type = rng.pick(['md5', 'sha1', 'sha512', 'bogus', '']);
      set(replaceInBlock(repomd, block, /<checksum type="[^"]*">/, `<checksum type="${type}">`));
      return { files, what: `repomd ${block.type}: checksum type = ${JSON.stringify(type)}` };
    }
    case 4: {
      const size = rng.pick(['0', '-1', '1', '99999999999999999999', 'abc', '']);
      const tag = rng.pick(['size', 'open-size']);
      set(replaceInBlock(repomd, block, new RegExp(`<${tag}>[^<]*<`), `<${tag}>${size}<`));
      return { files, what: `repomd ${block.type}: ${tag} = ${JSON.stringify(size)}` };
    }
    case 5: {
      set(replaceInBlock(repomd, block, /<open-checksum type="[^"]*">[^<]*</, `<open-checksum type="sha256">${'1'.repeat(64)}<`));
      return { files, what: `repomd ${block.type}: wrong open-checksum` };
    }
    case 6: {
      set(repomd.slice(0, block.start) + repomd.slice(block.end));
      return { files, what: `repomd: delete the ${block.type} entry` };
    }
    case 7: {
      const copy = repomd.slice(block.start, block.end);
      set(repomd.slice(0, block.end) + copy + repomd.slice(block.end));
      return { files, what: `repomd: duplicate the ${block.type} entry` };
    }
    case 8: {
      const other = rng.pick(bs);
      set(replaceInBlock(repomd, block, /<data type="[^"]*">/, `<data type="${other.type}">`));
      return { files, what: `repomd: ${block.type} entry retyped ${other.type}` };
    }
    case 9: {
      if (block.href) files.delete(block.href);
      return { files, what: `delete ${block.href} (named by repomd)` };
    }
    default:
      return mutateDataFile(rng, files, repomd, block);
  }
}

/** Mutates the file a repomd entry names (through its compression); usually fixes repomd's checksum and size to match. */
function mutateDataFile(rng: Rng, files: FileSet, repomd: string, block: DataBlock): { files: FileSet; what: string } {
  const href = block.href;
  const data = href ? files.get(href) : undefined;
  if (!href || !data) return { files, what: `no data file for ${block.type}` };
  let mutated: Uint8Array;
  let what: string;
  if (rng.chance(0.2)) {
    // Same XML, another compression than the file name says.
    const inner = unpack(data);
    const to = rng.pick(['gzip', 'bzip2', 'xz', 'zstd', 'lz4', 'none'] as const);
    mutated = pack(to, inner ? inner.plain : data);
    what = `${href}: recompressed ${compressionOf(data)} → ${to}`;
  } else {
    const m = mutateDeep(rng, data);
    mutated = m.data;
    what = `${href}: ${m.what}`;
  }
  files.set(href, mutated);
  if (rng.chance(0.8)) {
    let text = replaceInBlock(repomd, block, /<checksum type="[^"]*">[^<]*</, `<checksum type="sha256">${sha256(mutated)}<`);
    text = replaceInBlock(text, blocks(text).find((b) => b.start === block.start)!, /<size>[^<]*</, `<size>${mutated.length}<`);
    const plain = unpack(mutated)?.plain ?? mutated;
    const b2 = blocks(text).find((b) => b.start === block.start)!;
    text = replaceInBlock(text, b2, /<open-checksum type="[^"]*">[^<]*</, `<open-checksum type="sha256">${sha256(plain)}<`);
    text = replaceInBlock(text, blocks(text).find((b) => b.start === block.start)!, /<open-size>[^<]*</, `<open-size>${plain.length}<`);
    files.set(REPOMD, enc.encode(text));
    what += ' (repomd checksums fixed)';
  }
  return { files, what };
}
