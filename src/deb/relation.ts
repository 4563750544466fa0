/**
 * The Debian relationship grammar of Policy §7.1 (Depends, Pre-Depends,
 * Recommends, Conflicts, Breaks, Provides, Build-Depends, …):
 *
 *   field  := item ("," item)*            empty items are allowed and ignored
 *   item   := alt ("|" alt)*
 *   alt    := name [":" arch] ["(" op version ")"] ["[" arch+ "]"] ("<" term+ ">")*
 *
 * with the deprecated operators '<' and '>' read as '<=' and '>=' (as dpkg does).
 */
import { DistrokitError, type ErrorPosition } from '../../formats/errors.js';
import { checkVersion, type VersionOp } from './version.js';

export interface Dependency {
  name: string;
  /** ':any', ':native' or an explicit architecture, without the colon. */
  archQualifier?: string;
  op?: VersionOp;
  version?: string;
  /** '[amd64 i386]' or '[!armel !armhf]' restrictions (source package fields). */
  arches?: { negated: boolean; list: string[] };
  /** '<!nocheck> <stage1 cross>': a list of lists; terms in one list are ANDed, the lists ORed. */
  profiles?: { negated: boolean; name: string }[][];
}

/** One AND item: alternatives separated by '|'. */
export type AlternativeGroup = Dependency[];
/** A whole field: AND of OR groups. */
export type RelationList = AlternativeGroup[];

// Sticky: matched at the cursor without slicing the text.
const NAME_RE = /[A-Za-z0-9][A-Za-z0-9+.\-_]*/y;
const ARCH_RE = /[A-Za-z0-9][A-Za-z0-9\-_]*/y;
const PROFILE_RE = /[a-z0-9][a-z0-9.+-]*/y;

class RelationParser {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly where: ErrorPosition & { field?: string },
  ) {}

  parse(): RelationList {
    const result: RelationList = [];
    for (;;) {
      this.ws();
      if (this.at(',')) {
        this.pos++;
        continue; // empty item
      }
      if (this.pos >= this.text.length) break;
      result.push(this.group());
      this.ws();
      if (this.pos >= this.text.length) break;
      if (!this.at(',')) throw this.error(`expected ',' or '|'`);
      this.pos++;
    }
    return result;
  }

  private group(): AlternativeGroup {
    const alts: Dependency[] = [this.alternative()];
    for (;;) {
      this.ws();
      if (!this.at('|')) return alts;
      this.pos++;
      this.ws();
      alts.push(this.alternative());
    }
  }

  private alternative(): Dependency {
    const name = this.match(NAME_RE, 'a package name');
    const dep: Dependency = { name };
    if (this.at(':')) {
      this.pos++;
      dep.archQualifier = this.match(ARCH_RE, 'an architecture qualifier');
    }
    this.ws();
    if (this.at('(')) {
      this.pos++;
      this.ws();
      dep.op = this.operator();
      this.ws();
      const close = this.text.indexOf(')', this.pos);
      if (close < 0) throw this.error(`missing ')'`);
      const version = this.text.slice(this.pos, close).trim();
      if (version.length === 0) throw this.error('empty version in relation');
      const checked = checkVersion(version);
      if (!checked.version || /[\s()]/.test(version)) throw this.error(`bad version '${version}': ${checked.problem?.message ?? 'unexpected characters'}`);
      dep.version = version;
      this.pos = close + 1;
      this.ws();
    }
    if (this.at('[')) {
      dep.arches = this.archList();
      this.ws();
    }
    while (this.at('<')) {
      (dep.profiles ??= []).push(this.profileList());
      this.ws();
    }
    return dep;
  }

  private operator(): VersionOp {
    const t = this.text;
    const two = t.slice(this.pos, this.pos + 2);
    if (two === '<<' || two === '<=' || two === '>=' || two === '>>') {
      this.pos += 2;
      return two;
    }
    if (two === '=<' || two === '=>') {
      // dpkg accepts neither; be explicit about it.
      throw this.error(`unknown relation operator '${two}'`);
    }
    const one = t[this.pos];
    if (one === '=') {
      this.pos++;
      return '=';
    }
    if (one === '<') {
      this.pos++;
      return '<='; // deprecated '<' means '<=' (dpkg)
    }
    if (one === '>') {
      this.pos++;
      return '>='; // deprecated '>' means '>=' (dpkg)
    }
    throw this.error('expected a relation operator (<<, <=, =, >=, >>)');
  }

  private archList(): { negated: boolean; list: string[] } {
    this.pos++; // '['
    const list: string[] = [];
    let negated: boolean | undefined;
    for (;;) {
      this.ws();
      if (this.at(']')) {
        this.pos++;
        break;
      }
      const neg = this.at('!');
      if (neg) this.pos++;
      if (negated !== undefined && negated !== neg) throw this.error('an architecture list mixes negated and plain entries');
      negated = neg;
      list.push(this.match(ARCH_RE, 'an architecture'));
    }
    if (list.length === 0) throw this.error('empty architecture list');
    return { negated: negated ?? false, list };
  }

  private profileList(): { negated: boolean; name: string }[] {
    this.pos++; // '<'
    const terms: { negated: boolean; name: string }[] = [];
    for (;;) {
      this.ws();
      if (this.at('>')) {
        this.pos++;
        break;
      }
      const neg = this.at('!');
      if (neg) this.pos++;
      terms.push({ negated: neg, name: this.match(PROFILE_RE, 'a build profile name') });
    }
    if (terms.length === 0) throw this.error('empty build profile list');
    return terms;
  }

  private match(re: RegExp, what: string): string {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) throw this.error(`expected ${what}`);
    this.pos += m[0].length;
    return m[0];
  }

  private at(c: string): boolean {
    return this.text[this.pos] === c;
  }

  private ws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
      this.pos++;
    }
  }

  private error(message: string): DistrokitError {
    const { field, ...position } = this.where;
    const near = this.text.slice(this.pos, this.pos + 30);
    return new DistrokitError('DEB_BAD_RELATION', `${field ? `field ${field}: ` : ''}${message} at column ${this.pos + 1} (near ${JSON.stringify(near)})`, {
      ...position,
      column: this.pos + 1,
    });
  }
}

/** Parses a relationship field value into AND-of-OR groups; throws DEB_BAD_RELATION with the column. */
export function parseRelations(text: string, where: ErrorPosition & { field?: string } = {}): RelationList {
  return new RelationParser(text, where).parse();
}

/** Keeps the alternatives whose architecture restriction admits `arch` (dpkg's reduce_arch); drops emptied groups. */
export function reduceArch(list: RelationList, arch: string): RelationList {
  const out: RelationList = [];
  for (const group of list) {
    const kept = group.filter((d) => !d.arches || d.arches.list.includes(arch) !== d.arches.negated);
    if (kept.length > 0) out.push(kept.map(({ arches: _a, ...rest }) => rest));
  }
  return out;
}

/** Keeps the alternatives whose build-profile formula holds for the active profiles (dpkg's reduce_profiles). */
export function reduceProfiles(list: RelationList, active: readonly string[]): RelationList {
  const on = new Set(active);
  const holds = (d: Dependency) => !d.profiles || d.profiles.some((terms) => terms.every((t) => on.has(t.name) !== t.negated));
  const out: RelationList = [];
  for (const group of list) {
    const kept = group.filter(holds);
    if (kept.length > 0) out.push(kept.map(({ profiles: _p, ...rest }) => rest));
  }
  return out;
}

export function formatDependency(d: Dependency): string {
  let s = d.name;
  if (d.archQualifier) s += `:${d.archQualifier}`;
  if (d.op) s += ` (${d.op} ${d.version})`;
  if (d.arches) s += ` [${d.arches.list.map((a) => (d.arches!.negated ? `!${a}` : a)).join(' ')}]`;
  for (const p of d.profiles ?? []) s += ` <${p.map((t) => (t.negated ? `!${t.name}` : t.name)).join(' ')}>`;
  return s;
}

export function formatRelations(list: RelationList): string {
  return list.map((g) => g.map(formatDependency).join(' | ')).join(', ');
}
