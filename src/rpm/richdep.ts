/**
 * RPM boolean ("rich") dependencies, rpm >= 4.13/4.14
 * (docs/manual/boolean_dependencies.md): `(A and B)`, `(A or B)`,
 * `(A if B [else C])`, `(A unless B [else C])`, `(A with B)`, `(A without B)`,
 * nested with parentheses. Chains of one operator are allowed for and/or/with
 * (`(a or b or c)`); mixing operators needs parentheses, as in rpm.
 */
import { DistrokitError } from '../../formats/errors.js';
import { flagOfOperator, formatDep, type SimpleDep } from './depmatch.js';
import { parseEVR } from './vercmp.js';

export type RichOp = 'and' | 'or' | 'with' | 'without' | 'if' | 'unless';

export type RichDep =
  | { op: 'simple'; dep: SimpleDep }
  | { op: 'and' | 'or' | 'with'; args: RichDep[] }
  | { op: 'without'; args: [RichDep, RichDep] }
  | { op: 'if' | 'unless'; then: RichDep; cond: RichDep; else?: RichDep };

const CHAIN_OPS = new Set(['and', 'or', 'with']);
const ALL_OPS = new Set(['and', 'or', 'with', 'without', 'if', 'unless']);

export function isRichDep(text: string): boolean {
  return text.startsWith('(');
}

/** Parses a rich dependency string (it must start with `(`), or throws RICHDEP_SYNTAX naming the column. */
export function parseRichDep(text: string, position: { file?: string; entry?: string } = {}): RichDep {
  const parser = new RichParser(text, position);
  parser.skipSpace();
  if (parser.peek() !== '(') throw parser.error('a rich dependency starts with "("');
  const dep = parser.group();
  parser.skipSpace();
  if (!parser.atEnd()) throw parser.error('unexpected text after the closing parenthesis');
  return dep;
}

class RichParser {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly position: { file?: string; entry?: string },
  ) {}

  error(message: string): DistrokitError {
    return new DistrokitError('RICHDEP_SYNTAX', `${message} in "${this.text}"`, { ...this.position, column: this.pos + 1 });
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text[this.pos] ?? '';
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  /** `( expr )` */
  group(): RichDep {
    this.pos++; // (
    this.skipSpace();
    const first = this.operand();
    this.skipSpace();
    if (this.peek() === ')') {
      this.pos++;
      return first;
    }
    const op = this.word();
    if (!ALL_OPS.has(op)) throw this.error(`unknown operator "${op}"`);
    let result: RichDep;
    if (CHAIN_OPS.has(op)) {
      const args = [first, this.operandAfterSpace()];
      for (;;) {
        this.skipSpace();
        if (this.peek() === ')') break;
        const next = this.word();
        if (next !== op) throw this.error(next === '' ? 'expected ")"' : `"${next}" after "${op}" needs parentheses`);
        args.push(this.operandAfterSpace());
      }
      result = { op: op as 'and' | 'or' | 'with', args };
    } else if (op === 'without') {
      result = { op, args: [first, this.operandAfterSpace()] };
    } else {
      const cond = this.operandAfterSpace();
      this.skipSpace();
      let otherwise: RichDep | undefined;
      if (this.peek() !== ')') {
        const word = this.word();
        if (word !== 'else') throw this.error(`expected "else" or ")", got "${word}"`);
        otherwise = this.operandAfterSpace();
      }
      result = otherwise ? { op: op as 'if' | 'unless', then: first, cond, else: otherwise } : { op: op as 'if' | 'unless', then: first, cond };
    }
    this.skipSpace();
    if (this.peek() !== ')') throw this.error('expected ")"');
    this.pos++;
    return result;
  }

  private operandAfterSpace(): RichDep {
    this.skipSpace();
    return this.operand();
  }

  /** A nested group or a simple `name [op evr]`. */
  private operand(): RichDep {
    if (this.atEnd()) throw this.error('unexpected end');
    if (this.peek() === '(') return this.group();
    const name = this.name();
    if (name === '') throw this.error('expected a dependency');
    if (ALL_OPS.has(name) || name === 'else') throw this.error(`expected a dependency, got operator "${name}"`);
    const save = this.pos;
    this.skipSpace();
    const opMatch = /^(<=|>=|==|=<|=>|<>|<|>|=)/.exec(this.text.slice(this.pos));
    if (!opMatch) {
      this.pos = save;
      return { op: 'simple', dep: { name } };
    }
    this.pos += opMatch[0].length;
    this.skipSpace();
    const evr = this.name();
    if (evr === '') throw this.error(`expected a version after "${opMatch[0]}"`);
    return { op: 'simple', dep: { name, flags: flagOfOperator(opMatch[0]), evr: parseEVR(evr) } };
  }

  /** A name or version: up to whitespace or an unbalanced `)`; inner parentheses (perl(Foo)) belong to it. */
  private name(): string {
    const start = this.pos;
    let depth = 0;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos]!;
      if (/\s/.test(c)) break;
      if (c === '(') depth++;
      else if (c === ')') {
        if (depth === 0) break;
        depth--;
      }
      this.pos++;
    }
    return this.text.slice(start, this.pos);
  }

  private word(): string {
    const m = /^[a-z]*/.exec(this.text.slice(this.pos))!;
    this.pos += m[0].length;
    return m[0];
  }
}

/** Every simple dependency mentioned in a rich dependency. */
export function richDepLeaves(dep: RichDep): SimpleDep[] {
  switch (dep.op) {
    case 'simple':
      return [dep.dep];
    case 'if':
    case 'unless':
      return [...richDepLeaves(dep.then), ...richDepLeaves(dep.cond), ...(dep.else ? richDepLeaves(dep.else) : [])];
    default:
      return dep.args.flatMap(richDepLeaves);
  }
}

/** The canonical text of a rich dependency (fully parenthesised). */
export function formatRichDep(dep: RichDep): string {
  switch (dep.op) {
    case 'simple':
      return formatDep(dep.dep);
    case 'if':
    case 'unless':
      return `(${formatRichDep(dep.then)} ${dep.op} ${formatRichDep(dep.cond)}${dep.else ? ` else ${formatRichDep(dep.else)}` : ''})`;
    default:
      return `(${dep.args.map(formatRichDep).join(` ${dep.op} `)})`;
  }
}

/** What an evaluation needs to know about the set of installed packages. */
export interface RichContext<P> {
  /** The installed packages that satisfy a simple dependency. */
  providers(dep: SimpleDep): readonly P[];
}

/** The installed packages that satisfy a package-level term (simple, with, without); undefined for other operators. */
function matchingPackages<P>(dep: RichDep, ctx: RichContext<P>): Set<P> | undefined {
  if (dep.op === 'simple') return new Set(ctx.providers(dep.dep));
  if (dep.op === 'with') {
    let acc: Set<P> | undefined;
    for (const arg of dep.args) {
      const m = matchingPackages(arg, ctx) ?? new Set<P>();
      acc = acc ? new Set([...acc].filter((p) => m.has(p))) : m;
    }
    return acc ?? new Set();
  }
  if (dep.op === 'without') {
    const a = matchingPackages(dep.args[0], ctx) ?? new Set<P>();
    const b = matchingPackages(dep.args[1], ctx) ?? new Set<P>();
    return new Set([...a].filter((p) => !b.has(p)));
  }
  return undefined;
}

/** Whether a rich dependency holds for the installed set: `with`/`without` need one package satisfying both sides. */
export function evaluateRichDep<P>(dep: RichDep, ctx: RichContext<P>): boolean {
  switch (dep.op) {
    case 'simple':
    case 'with':
    case 'without':
      return matchingPackages(dep, ctx)!.size > 0;
    case 'and':
      return dep.args.every((a) => evaluateRichDep(a, ctx));
    case 'or':
      return dep.args.some((a) => evaluateRichDep(a, ctx));
    case 'if':
      if (evaluateRichDep(dep.cond, ctx)) return evaluateRichDep(dep.then, ctx);
      return dep.else ? evaluateRichDep(dep.else, ctx) : true;
    case 'unless':
      if (!evaluateRichDep(dep.cond, ctx)) return evaluateRichDep(dep.then, ctx);
      return dep.else ? evaluateRichDep(dep.else, ctx) : true;
  }
}
