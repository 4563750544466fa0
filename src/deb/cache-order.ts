/**
 * apt's package ID order, which its provider choice falls back on last
 * (policy.ts, compareProviders). apt numbers a package (a name for one
 * architecture) when it first creates it while building its cache
 * (apt-pkg/pkgcachegen.cc, NewPackage: `Pkg->ID = PackageCount++`), reading
 * the indexes in sources.list order, each from its first stanza to its last.
 * A stanza creates, in this order (debListParser::NewVersion):
 *
 *   its own package (Package), then the targets of Pre-Depends, Depends,
 *   Conflicts, Breaks, Recommends, Suggests, Replaces and Enhances, then
 *   the names in Provides,
 *
 * each left to right, whether or not the stanza's version is the candidate
 * (an older version superseded by updates or security still counts). So the
 * ID order of two names is the order of their *first mention*. For one native
 * architecture: stanzas of a foreign architecture create foreign packages
 * only, 'all' counts as native, and a target qualified ':any' (a package
 * 'name:any' of its own) or with a foreign architecture creates no native
 * package, while ':native' or the native architecture does. The hash tables
 * of apt's cache decide where a package is stored, not its ID.
 */

import type { StanzaSet } from './stanza-set.js';

/** Where a name is first mentioned: index, stanza (reading order within the index), field rank, offset in the field. */
export interface Mention {
  index: number;
  stanza: number;
  field: number;
  at: number;
}

/** Fields that create packages, in the order apt parses them (the rank of a mention). */
export const MENTION_FIELDS = ['package', 'pre-depends', 'depends', 'conflicts', 'breaks', 'recommends', 'suggests', 'replaces', 'enhances', 'provides'] as const;
const FIELD_RANK = new Map<string, number>(MENTION_FIELDS.map((f, k) => [f, k]));

export function mentionFieldRank(field: string): number | undefined {
  return FIELD_RANK.get(field.toLowerCase());
}

/** Earlier first: negative if `a` was mentioned before `b` (so its package ID is lower). */
export function compareMentions(a: Mention | undefined, b: Mention | undefined): number {
  if (!a || !b) return Number(!a) - Number(!b);
  return a.index - b.index || a.stanza - b.stanza || a.field - b.field || a.at - b.at;
}

const BEFORE = new Set([' ', '\t', '\n', ',', '|']);
const AFTER = new Set([' ', '\t', '\n', ',', '|', '(', '[', '<']);
const QUALIFIER = /[A-Za-z0-9_-]*/y;

/**
 * The offset of the first mention of `name` in one relation (or Provides)
 * value that creates a package of the native architecture `arch`, or -1.
 */
export function mentionInValue(value: string, name: string, arch: string): number {
  for (let p = value.indexOf(name); p >= 0; p = value.indexOf(name, p + 1)) {
    if (p > 0 && !BEFORE.has(value[p - 1]!)) continue;
    const q = p + name.length;
    if (q === value.length) return p;
    const next = value[q]!;
    if (next === ':') {
      QUALIFIER.lastIndex = q + 1;
      const qualifier = QUALIFIER.exec(value)![0];
      if (qualifier === 'native' || qualifier === arch) return p;
      continue;
    }
    if (AFTER.has(next)) return p;
  }
  return -1;
}

/** The first mention of `name` in one stanza, given its fields: [field rank, offset], or undefined. */
export function mentionInFields(packageName: string, fieldValue: (field: string) => string | undefined, name: string, arch: string): [number, number] | undefined {
  if (packageName === name) return [0, 0];
  for (let rank = 1; rank < MENTION_FIELDS.length; rank++) {
    const value = fieldValue(MENTION_FIELDS[rank]!);
    if (value === undefined) continue;
    const at = mentionInValue(value, name, arch);
    if (at >= 0) return [rank, at];
  }
  return undefined;
}

/**
 * The fields of a stanza in the common layout (what the scan vouches for:
 * canonical names, LF line ends, continuation lines starting with a blank),
 * from its text [from, to) in `text`: lower-cased name → value.
 */
export function fieldsOfText(text: string, from: number, to: number): Map<string, string> {
  const fields = new Map<string, string>();
  let key: string | undefined;
  let valueFrom = 0;
  let line = from;
  const flush = (end: number) => {
    if (key !== undefined && !fields.has(key)) fields.set(key, text.slice(valueFrom, end));
  };
  while (line < to) {
    let eol = text.indexOf('\n', line);
    if (eol < 0 || eol > to) eol = to;
    const first = text[line];
    if (first !== ' ' && first !== '\t') {
      flush(line - 1);
      const colon = text.indexOf(':', line);
      key = colon >= 0 && colon < eol ? text.slice(line, colon).toLowerCase() : undefined;
      valueFrom = colon + 1;
    }
    line = eol + 1;
  }
  flush(to);
  return fields;
}

/** What CacheOrder reads: the stanza sets in reading order (each with the reference of its first stanza), and the native architecture. */
export interface CacheOrderSource {
  sets(): readonly { set: StanzaSet; base: number }[];
  arch(): string;
}

/**
 * The first mentions of names, looked up when a choice needs them (one pass
 * over the sets for all the names asked at once) and remembered until the
 * repository reads more stanzas.
 */
export class CacheOrder {
  private readonly mentions = new Map<string, Mention | undefined>();
  private setsSeen = 0;

  constructor(private readonly source: CacheOrderSource) {}

  /** Negative if name `a` has the lower package ID (was first mentioned before `b`). */
  compare(a: string, b: string): number {
    this.find([a, b]);
    return compareMentions(this.mentions.get(a), this.mentions.get(b));
  }

  /** Looks up the names not known yet, in one pass over the sets: by index, then in reading order. */
  find(names: readonly string[]): void {
    const sets = this.source.sets();
    if (sets.length !== this.setsSeen) {
      this.mentions.clear();
      this.setsSeen = sets.length;
    }
    let missing = [...new Set(names)].filter((n) => !this.mentions.has(n));
    if (missing.length === 0) return;
    const arch = this.source.arch();
    const order = [...sets].sort((x, y) => x.set.index - y.set.index || x.base - y.base);
    for (const { set, base } of order) {
      set.firstMentions(missing, arch).forEach((m, j) => {
        if (m) this.mentions.set(missing[j]!, { index: set.index, stanza: base + m.stanza, field: m.field, at: m.at });
      });
      missing = missing.filter((n) => !this.mentions.has(n));
      if (missing.length === 0) return;
    }
    for (const n of missing) this.mentions.set(n, undefined);
  }
}
