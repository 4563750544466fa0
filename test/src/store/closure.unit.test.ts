/**
 * Bad closure inputs, each a coded error with its path, file and line; and
 * the closure walk on cycles and self-references. Pure: temp files, no Nix
 * (closure.test.ts checks the good paths against nix-store itself).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ErrorCode, isDistrokitError } from '../../../formats/errors.js';
import { normaliseNarHash } from '../../../src/store/blocks.js';
import { closureOf, readClosureInfo, readReferencesGraph } from '../../../src/store/closure.js';
import type { StorePathInfo } from '../../../src/store/path-info.js';
import { writeRegistration } from '../../../src/store/registration.js';

const work = mkdtempSync(join(tmpdir(), 'distrokit-closure-unit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const S = '/nix/store';
const p = (name: string) => `${S}/${name.padEnd(32, '0').slice(0, 32).replace(/[^0-9a-z]/g, '0')}-${name}`;
const A = p('a');
const B = p('b');
const C = p('c');
const D = p('d');

let n = 0;
function graphFile(text: string): string {
  const f = join(work, `closure-${n++}`);
  writeFileSync(f, text);
  return f;
}
const block = (path: string, refs: string[], deriver = '') => [path, deriver, String(refs.length), ...refs].join('\n') + '\n';

async function codeOf(f: () => unknown): Promise<{ code: ErrorCode; data: Record<string, unknown>; message: string }> {
  try {
    await f();
  } catch (err) {
    if (isDistrokitError(err)) return { code: err.code, data: err.data, message: err.message };
    throw err;
  }
  throw new Error('expected an error');
}

describe('readReferencesGraph', () => {
  it('reads blocks as pathsFromGraph does, merging files that share paths', async () => {
    const f1 = graphFile(block(A, [A, B], '/nix/store/x-a.drv') + block(B, []));
    const f2 = graphFile(block(B, []) + block(C, [B]));
    const infos = await readReferencesGraph([f1, f2]);
    expect([...infos.keys()]).toEqual([A, B, C]);
    expect(infos.get(A)).toMatchObject({ deriver: '/nix/store/x-a.drv', references: [A, B], origin: { file: f1, line: 1 } });
    expect(infos.get(C)!.origin).toEqual({ file: f2, line: 4 });
  });

  it('an empty file describes nothing', async () => {
    expect((await readReferencesGraph([graphFile('')])).size).toBe(0);
  });

  it('a non-numeric count is STORE_GRAPH_MALFORMED naming file and line', async () => {
    const f = graphFile(block(A, []) + `${B}\n\nmany\n${A}\n`);
    const e = await codeOf(() => readReferencesGraph([f]));
    expect(e).toMatchObject({ code: 'STORE_GRAPH_MALFORMED', data: { file: f, line: 6, entry: B } });
    expect(e.message).toContain("reference count 'many'");
  });

  it('a truncated block is STORE_GRAPH_MALFORMED naming file and the line after the end', async () => {
    const f = graphFile(`${A}\n\n3\n${B}\n`);
    const e = await codeOf(() => readReferencesGraph([f]));
    expect(e).toMatchObject({ code: 'STORE_GRAPH_MALFORMED', data: { file: f, line: 5, entry: A } });
    expect(e.message).toContain('reference 2 of 3');
    const g = graphFile(`${A}\n`);
    expect(await codeOf(() => readReferencesGraph([g]))).toMatchObject({ code: 'STORE_GRAPH_MALFORMED', data: { file: g, line: 2 } });
  });

  it('a blank line where a block should start is STORE_GRAPH_MALFORMED', async () => {
    const f = graphFile(`${block(A, [])}\n${block(B, [])}`);
    expect(await codeOf(() => readReferencesGraph([f]))).toMatchObject({ code: 'STORE_GRAPH_MALFORMED', data: { file: f, line: 4 } });
  });

  it('a path described twice with different references is STORE_GRAPH_CONFLICT', async () => {
    const f1 = graphFile(block(A, [B]) + block(B, []));
    const f2 = graphFile(block(A, [C]));
    const e = await codeOf(() => readReferencesGraph([f1, f2]));
    expect(e).toMatchObject({ code: 'STORE_GRAPH_CONFLICT', data: { file: f2, line: 1, entry: A } });
    expect(e.message).toContain(`${f1}:1`);
  });

  it('a missing file or a directory is STORE_GRAPH_UNREADABLE naming it', async () => {
    const missing = join(work, 'no-such-closure');
    expect(await codeOf(() => readReferencesGraph([missing]))).toMatchObject({ code: 'STORE_GRAPH_UNREADABLE', data: { file: missing } });
    const aDir = join(work, 'a-directory');
    mkdirSync(aDir);
    expect(await codeOf(() => readReferencesGraph([aDir]))).toMatchObject({ code: 'STORE_GRAPH_UNREADABLE', data: { file: aDir } });
  });
});

describe('closureOf', () => {
  const graph = (...infos: [string, string[]][]) => new Map(infos.map(([path, references], i): [string, StorePathInfo] => [path, { path, deriver: '', references, origin: { file: 'g', line: 1 + i * 10 } }]));

  it('follows references, keeps self-references, leaves the rest out, sorts by bytes', () => {
    const g = graph([C, [C, A]], [A, [A]], [B, []], [D, [C]]);
    expect(closureOf(g, [C]).map((i) => i.path)).toEqual([A, C]);
    expect(closureOf(g, [D, C]).map((i) => i.path)).toEqual([A, C, D]);
  });

  it('an undescribed root is STORE_PATH_UNDESCRIBED', async () => {
    expect(await codeOf(() => closureOf(graph([A, []]), [B]))).toMatchObject({ code: 'STORE_PATH_UNDESCRIBED', data: { entry: B } });
  });

  it('a reference the graph does not describe is STORE_PATH_UNDESCRIBED with its referrer, chain and block', async () => {
    const e = await codeOf(() => closureOf(graph([A, [B]], [B, [C]]), [A]));
    expect(e).toMatchObject({ code: 'STORE_PATH_UNDESCRIBED', data: { entry: C, chain: [A, B, C], file: 'g', line: 11 } });
    expect(e.message).toContain(`referenced by '${B}'`);
  });

  it('a cycle through a missing path is reported as that path with the chain, not a hang', async () => {
    // a -> b -> c -> b, and c -> d which nothing describes.
    const e = await codeOf(() => closureOf(graph([A, [B]], [B, [C]], [C, [B, D]]), [A]));
    expect(e).toMatchObject({ code: 'STORE_PATH_UNDESCRIBED', data: { entry: D, chain: [A, B, C, D] } });
  });

  it('a cycle through several described paths is STORE_GRAPH_CYCLE naming it', async () => {
    const e = await codeOf(() => closureOf(graph([A, [A, B]], [B, [C]], [C, [B]]), [A]));
    expect(e).toMatchObject({ code: 'STORE_GRAPH_CYCLE', data: { cycle: [B, C] } });
    expect(e.message).toContain(`${B} -> ${C} -> ${B}`);
  });

  it.each([
    ['/nix/store/abc-x/bin/sh', 'a path inside a store path'],
    ['/usr/bin/sh', 'a path elsewhere'],
    ['/nix/store/..', "'..'"],
    ['/nix/store/', 'the store directory itself'],
    ['/nix/storefoo-x', 'a sibling with the store directory as prefix'],
  ])('%s (%s) is STORE_PATH_OUTSIDE_STORE, as root and as reference', async (bad) => {
    expect(await codeOf(() => closureOf(graph([bad, []]), [bad]))).toMatchObject({ code: 'STORE_PATH_OUTSIDE_STORE', data: { entry: bad } });
    const e = await codeOf(() => closureOf(graph([A, [bad]], [bad, []]), [A]));
    expect(e).toMatchObject({ code: 'STORE_PATH_OUTSIDE_STORE', data: { entry: bad, file: 'g', line: 1 } });
    expect(e.message).toContain(`referenced by '${A}'`);
  });

  it.each([
    ['/nix/store/short-x', 'too short'],
    ['/nix/store/e0000000000000000000000000000000-x', "'e' in its hash part"],
    ['/nix/store/A0000000000000000000000000000000-x', "'A' in its hash part"],
    ['/nix/store/00000000000000000000000000000000-', 'empty name'],
    ['/nix/store/00000000000000000000000000000000-with space', '" " in its name'],
    ['/nix/store/00000000000000000000000000000000-caf\u00e9', '"\u00e9" in its name'],
    [`/nix/store/00000000000000000000000000000000-${'x'.repeat(212)}`, 'longer than 211'],
  ])('%s is STORE_PATH_BAD_NAME (%s), as Nix would refuse it', async (bad, why) => {
    const e = await codeOf(() => closureOf(graph([A, [bad]], [bad, []]), [A]));
    expect(e).toMatchObject({ code: 'STORE_PATH_BAD_NAME', data: { entry: bad } });
    expect(e.message).toContain(why);
  });

  it('a bad deriver is STORE_PATH_BAD_NAME naming it and its block', async () => {
    const g = graph([A, []]);
    g.get(A)!.deriver = '/elsewhere/x.drv';
    expect(await codeOf(() => closureOf(g, [A]))).toMatchObject({ code: 'STORE_PATH_BAD_NAME', data: { entry: '/elsewhere/x.drv', file: 'g', line: 1 } });
    g.get(A)!.deriver = p('a.drv');
    expect(closureOf(g, [A])).toHaveLength(1);
  });

  it('accepts every character Nix allows in a name', () => {
    const ok = '/nix/store/0123456789abcdfghijklmnpqrsvwxyz-AZaz09+-._?=';
    expect(closureOf(graph([ok, [ok]]), [ok]).map((i) => i.path)).toEqual([ok]);
  });

  it('honours another store directory', () => {
    const other = '/gnu/store/00000000000000000000000000000000-x';
    expect(closureOf(graph([other, []]), [other], '/gnu/store/').map((i) => i.path)).toEqual([other]);
  });
});

describe('readClosureInfo', () => {
  const hash16 = '4f5b1a3b0ff4ba0f4c9e1d4b2f8fd1e9f9f61f4f5a7e6a5f83e5c2a1d0c9b8a7';
  const dir = (registration: string, storePaths: string) => {
    const d = join(work, `ci-${n++}`);
    mkdirSync(d);
    writeFileSync(join(d, 'registration'), registration);
    writeFileSync(join(d, 'store-paths'), storePaths);
    return d;
  };

  it('reads hashes in base-16, base-32 with sha256: (closureInfo), and SRI; the zero hash is "unknown"', async () => {
    const b32 = normaliseNarHash(hash16)!;
    const sri = `sha256-${Buffer.from(hash16, 'hex').toString('base64')}`;
    const d = dir(`${A}\n${hash16}\n10\n\n1\n${B}\n${B}\n${b32}\n20\n/nix/store/x.drv\n0\n${C}\n${sri}\n30\n\n0\n${D}\n${'0'.repeat(64)}\n0\n\n0\n`, `${A}\n${B}\n${C}\n${D}\n`);
    const { storePaths, infos } = await readClosureInfo(d);
    expect(storePaths).toEqual([A, B, C, D]);
    expect(b32).toMatch(/^sha256:[0-9a-z]{52}$/);
    expect([...infos.values()].map((i) => [i.narHash, i.narSize])).toEqual([
      [b32, 10n],
      [b32, 20n],
      [b32, 30n],
      [undefined, undefined],
    ]);
    expect(infos.get(B)!.deriver).toBe('/nix/store/x.drv');
  });

  it('a bad hash or size line is STORE_GRAPH_MALFORMED naming the registration and line', async () => {
    const d1 = dir(`${A}\nsha1:abc\n10\n\n0\n`, `${A}\n`);
    expect(await codeOf(() => readClosureInfo(d1))).toMatchObject({ code: 'STORE_GRAPH_MALFORMED', data: { file: join(d1, 'registration'), line: 2, entry: A } });
    const d2 = dir(`${A}\n${hash16}\nten\n\n0\n`, `${A}\n`);
    expect(await codeOf(() => readClosureInfo(d2))).toMatchObject({ code: 'STORE_GRAPH_MALFORMED', data: { file: join(d2, 'registration'), line: 3 } });
  });

  it('a listed store path the registration does not describe is STORE_PATH_UNDESCRIBED naming store-paths and line', async () => {
    const d = dir(`${A}\n${hash16}\n10\n\n0\n`, `${A}\n${B}\n`);
    expect(await codeOf(() => readClosureInfo(d))).toMatchObject({ code: 'STORE_PATH_UNDESCRIBED', data: { file: join(d, 'store-paths'), line: 2, entry: B } });
  });

  it('a directory without registration is STORE_GRAPH_UNREADABLE', async () => {
    const d = join(work, 'empty-ci');
    mkdirSync(d);
    expect(await codeOf(() => readClosureInfo(d))).toMatchObject({ code: 'STORE_GRAPH_UNREADABLE', data: { file: join(d, 'registration') } });
  });
});

describe('writeRegistration', () => {
  const info = (path: string, references: string[], extra: Partial<StorePathInfo> = {}): StorePathInfo => ({ path, deriver: '', references, ...extra });

  it('writes the three layouts, paths and references in byte order', () => {
    const infos = [info(B, [B]), info(A, [B, A, B], { narHash: 'sha256:h', narSize: 5n, deriver: '/nix/store/d.drv' })];
    expect(writeRegistration([infos[1]!], 'load-db')).toBe(`${A}\nsha256:h\n5\n/nix/store/d.drv\n2\n${A}\n${B}\n`);
    expect(writeRegistration(infos, 'print-registration')).toBe(`${A}\n${'0'.repeat(64)}\n0\n\n2\n${A}\n${B}\n${B}\n${'0'.repeat(64)}\n0\n\n1\n${B}\n`);
    expect(writeRegistration(infos, 'register-validity')).toBe(`${A}\n\n2\n${A}\n${B}\n${B}\n\n1\n${B}\n`);
    expect(writeRegistration([], 'load-db')).toBe('');
  });

  it('load-db without a hash is STORE_REGISTRATION_NO_HASH naming the path', async () => {
    expect(await codeOf(() => writeRegistration([info(A, [])], 'load-db'))).toMatchObject({ code: 'STORE_REGISTRATION_NO_HASH', data: { entry: A } });
  });
});
