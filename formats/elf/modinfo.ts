/**
 * A kernel module's `.modinfo` section: NUL-separated "key=value" strings
 * (name, depends, softdep, alias, firmware, vermagic, …). Keys repeat.
 */
import { type ElfInput, elfError, readElfHeader, readRange, readSectionHeaders, SHT_NOBITS } from './header.js';

export interface ModInfo {
  /** Every key with its values in file order. */
  fields: Map<string, string[]>;
  name?: string;
  /** Hard dependencies (module names), from `depends=`. */
  depends: string[];
  softdepPre: string[];
  softdepPost: string[];
  aliases: string[];
  firmware: string[];
  vermagic?: string;
}

const utf8 = new TextDecoder('utf-8');

export function parseModinfo(section: Uint8Array): ModInfo {
  const fields = new Map<string, string[]>();
  let start = 0;
  while (start < section.length) {
    let end = section.indexOf(0, start);
    if (end < 0) end = section.length;
    if (end > start) {
      const text = utf8.decode(section.subarray(start, end));
      const eq = text.indexOf('=');
      if (eq > 0) {
        const key = text.slice(0, eq);
        const list = fields.get(key) ?? [];
        list.push(text.slice(eq + 1));
        fields.set(key, list);
      }
    }
    start = end + 1;
  }
  const all = (k: string) => fields.get(k) ?? [];
  const depends = all('depends').flatMap((d) => d.split(',')).filter(Boolean);
  const { pre, post } = parseSoftdep(all('softdep'));
  return {
    fields,
    name: all('name')[0],
    depends,
    softdepPre: pre,
    softdepPost: post,
    aliases: all('alias'),
    firmware: all('firmware'),
    vermagic: all('vermagic')[0],
  };
}

/** "pre: a b post: c" → { pre: [a, b], post: [c] }; words before any marker count as pre (as kmod). */
export function parseSoftdep(values: string[]): { pre: string[]; post: string[] } {
  const pre: string[] = [];
  const post: string[] = [];
  for (const value of values) {
    let target = pre;
    for (const word of value.split(/\s+/).filter(Boolean)) {
      if (word === 'pre:') target = pre;
      else if (word === 'post:') target = post;
      else target.push(word);
    }
  }
  return { pre, post };
}

/** Reads only the headers and the `.modinfo` section of a module. */
export async function readModinfo(input: ElfInput): Promise<ModInfo> {
  const header = await readElfHeader(input);
  const sections = await readSectionHeaders(input, header);
  const section = sections.find((s) => s.name === '.modinfo');
  if (!section || section.type === SHT_NOBITS) throw elfError('ELF_NO_MODINFO', 'no .modinfo section: not a kernel module', input);
  return parseModinfo(await readRange(input, section.offset, section.size, '.modinfo section'));
}
