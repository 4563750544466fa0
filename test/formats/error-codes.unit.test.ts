/**
 * The error-code registry is complete and exact: every code the sources raise
 * is registered (with a one-line meaning), and every registered code is raised
 * somewhere. The sources are scanned as text, so a code built in a way the
 * compiler does not check (a cast, JSON from a worker) is still caught.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as errorsModule from '../../formats/errors.js';
import { ERROR_CODE_MEANINGS, ERROR_CODES, isErrorCode } from '../../formats/error-codes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REGISTRY = join(ROOT, 'formats', 'error-codes.ts');

/** Upper-case string literals in the sources that are names of other things, not error codes. */
const NOT_CODES = new Set([
  'PT_INTERP', // the ELF segment a read error names
  'SOURCE_DATE_EPOCH', // the environment variable a bad value came from (the `file` of BAD_SOURCE_DATE_EPOCH)
  'DIR_OR_DEB', // a placeholder in the help of an option
  'DIR_OR_URL', // a placeholder in the help of an option
]);

function sources(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(dir, name))
    .filter((f) => f !== REGISTRY)
    .sort();
}

/** Every 'UPPER_SNAKE' (or 'INTERNAL', 'USAGE') string literal of src/ and formats/, with where it occurs. */
function literals(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'formats'))]) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/['"`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|INTERNAL|USAGE)['"`]/g)) {
      const where = `${relative(ROOT, file)}:${text.slice(0, m.index).split('\n').length}`;
      found.set(m[1]!, [...(found.get(m[1]!) ?? []), where]);
    }
  }
  return found;
}

describe('ERROR_CODES', () => {
  const used = literals();

  it('registers every code the sources use', () => {
    const unregistered = [...used].filter(([code]) => !NOT_CODES.has(code) && !isErrorCode(code)).map(([code, where]) => `${code} (${where.join(', ')})`);
    expect(unregistered).toEqual([]);
    // The allow-list of non-codes stays honest too.
    for (const name of NOT_CODES) {
      expect(used.has(name), name).toBe(true);
      expect(isErrorCode(name), name).toBe(false);
    }
  });

  it('has no dead codes: each is used in src/ or formats/', () => {
    expect(Object.keys(ERROR_CODE_MEANINGS).filter((code) => !used.has(code))).toEqual([]);
  });

  it('gives each code one layer and a one-line meaning', () => {
    const all = Object.values(ERROR_CODES).flatMap((group) => Object.keys(group));
    expect(all.length).toBe(new Set(all).size);
    expect(Object.keys(ERROR_CODE_MEANINGS).sort()).toEqual([...all].sort());
    for (const [code, meaning] of Object.entries(ERROR_CODE_MEANINGS)) {
      expect(code, code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(meaning.trim(), code).not.toBe('');
      expect(meaning, code).not.toMatch(/[\r\n]/);
    }
    expect(all.length).toBeGreaterThan(100);
  });

  it('is exported from the distrokit/errors entry point', () => {
    expect(errorsModule.ERROR_CODES).toBe(ERROR_CODES);
    expect(errorsModule.isErrorCode('DEB_BAD_VERSION')).toBe(true);
    expect(errorsModule.isErrorCode('DEB_BAD_VERSIONS')).toBe(false);
    expect(errorsModule.isErrorCode('toString')).toBe(false);
  });
});
