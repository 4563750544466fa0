/**
 * Architecture names as dpkg accepts them (dpkg_arch_name_is_illegal, and
 * --add-architecture's reserved names): an ASCII letter or digit, then letters,
 * digits and '-'; 'all' and 'any' are not architectures of a system.
 */
import { DistrokitError } from '../errors.js';

/** The longest architecture name distrokit takes (dpkg has no limit; the index scanner keeps the name in 64 bytes). */
export const MAX_ARCH_LENGTH = 64;

/** Why dpkg rejects `name` as an architecture a system can have, or undefined if it accepts it. */
export function archNameProblem(name: string): string | undefined {
  if (name === '' || name === 'all' || name === 'any') return 'is reserved';
  if (!/^[A-Za-z0-9]/.test(name)) return 'must start with an alphanumeric';
  const bad = /[^A-Za-z0-9-]/.exec(name);
  if (bad) return `has the character ${JSON.stringify(bad[0])} (only letters, digits and '-' are allowed)`;
  return undefined;
}

/** Throws DEB_BAD_ARCH unless `name` is an architecture dpkg accepts for a system, of at most MAX_ARCH_LENGTH characters. */
export function checkNativeArch(name: string): void {
  const problem = archNameProblem(name) ?? (name.length > MAX_ARCH_LENGTH ? `is longer than ${MAX_ARCH_LENGTH} characters` : undefined);
  if (problem) throw new DistrokitError('DEB_BAD_ARCH', `architecture ${JSON.stringify(name)} ${problem}`, { arch: name });
}
