/**
 * Range matching between a Provides and a Requires (or Conflicts/Obsoletes)
 * as rpm's rpmdsCompare / rpmdsCompareEVR do it. This is not ordering: a
 * missing release on the side with `=` matches any release, and an epoch on
 * one side only counts when it is non-zero.
 */
import { type EVR, rpmvercmp } from './vercmp.js';

/** Comparison flags as createrepo_c writes them in primary.xml. */
export type DepFlag = 'EQ' | 'LT' | 'LE' | 'GT' | 'GE' | 'NE';

export const SENSE_LESS = 2;
export const SENSE_GREATER = 4;
export const SENSE_EQUAL = 8;

const FLAG_SENSE: Record<DepFlag, number> = {
  EQ: SENSE_EQUAL,
  LT: SENSE_LESS,
  LE: SENSE_LESS | SENSE_EQUAL,
  GT: SENSE_GREATER,
  GE: SENSE_GREATER | SENSE_EQUAL,
  NE: SENSE_LESS | SENSE_GREATER,
};

const OPERATOR_FLAG: Record<string, DepFlag> = {
  '=': 'EQ',
  '==': 'EQ',
  '<': 'LT',
  '<=': 'LE',
  '=<': 'LE',
  '>': 'GT',
  '>=': 'GE',
  '=>': 'GE',
  '<>': 'NE',
};

const FLAG_OPERATOR: Record<DepFlag, string> = { EQ: '=', LT: '<', LE: '<=', GT: '>', GE: '>=', NE: '<>' };

/** A simple (non-boolean) dependency: a name, optionally with a relation to an EVR. */
export interface SimpleDep {
  name: string;
  flags?: DepFlag | undefined;
  evr?: EVR | undefined;
}

export function senseOf(flags: DepFlag | undefined): number {
  return flags ? FLAG_SENSE[flags] : 0;
}

export function flagOfOperator(op: string): DepFlag | undefined {
  return OPERATOR_FLAG[op];
}

export function operatorOfFlag(flag: DepFlag): string {
  return FLAG_OPERATOR[flag];
}

export function isDepFlag(s: string): s is DepFlag {
  return Object.prototype.hasOwnProperty.call(FLAG_SENSE, s);
}

function positiveEpoch(e: string | undefined): boolean {
  return e !== undefined && e !== '' && Number.parseInt(e, 10) > 0;
}

function hasText(s: string | undefined): s is string {
  return s !== undefined && s !== '';
}

/** Whether the version ranges (aFlags aEVR) and (bFlags bEVR) overlap, as rpmdsCompareEVR with nopromote. */
export function rangesOverlap(a: EVR, aSense: number, b: EVR, bSense: number): boolean {
  let sense = 0;
  if (hasText(a.epoch) && hasText(b.epoch)) sense = rpmvercmp(a.epoch, b.epoch);
  else if (positiveEpoch(a.epoch)) sense = 1;
  else if (positiveEpoch(b.epoch)) sense = -1;
  if (sense === 0) {
    sense = rpmvercmp(a.version, b.version);
    if (sense === 0) {
      if (hasText(a.release) && hasText(b.release)) sense = rpmvercmp(a.release, b.release);
      // The side without a release and with `=` matches every release of the other.
      else if ((hasText(a.release) && bSense & SENSE_EQUAL) || (hasText(b.release) && aSense & SENSE_EQUAL)) return true;
    }
  }
  if (sense < 0) return (aSense & SENSE_GREATER) !== 0 || (bSense & SENSE_LESS) !== 0;
  if (sense > 0) return (aSense & SENSE_LESS) !== 0 || (bSense & SENSE_GREATER) !== 0;
  return (
    ((aSense & SENSE_EQUAL) !== 0 && (bSense & SENSE_EQUAL) !== 0) ||
    ((aSense & SENSE_LESS) !== 0 && (bSense & SENSE_LESS) !== 0) ||
    ((aSense & SENSE_GREATER) !== 0 && (bSense & SENSE_GREATER) !== 0)
  );
}

/** Whether `provide` satisfies `require` (same name; an unversioned side matches everything). */
export function depMatches(provide: SimpleDep, require: SimpleDep): boolean {
  if (provide.name !== require.name) return false;
  const ps = senseOf(provide.flags);
  const rs = senseOf(require.flags);
  if (ps === 0 || rs === 0 || !provide.evr || !require.evr) return true;
  if (provide.evr.version === '' || require.evr.version === '') return true;
  return rangesOverlap(provide.evr, ps, require.evr, rs);
}

/** `name op evr` the way rpm prints a dependency. */
export function formatDep(dep: SimpleDep): string {
  if (!dep.flags || !dep.evr) return dep.name;
  const evr = dep.evr;
  let v = hasText(evr.epoch) ? `${evr.epoch}:${evr.version}` : evr.version;
  if (evr.release !== undefined) v += `-${evr.release}`;
  return `${dep.name} ${FLAG_OPERATOR[dep.flags]} ${v}`;
}
