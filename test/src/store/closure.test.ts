/**
 * Closures and registrations against Nix 2.8 on scratch stores: a registration
 * written by writeRegistration is loaded with `nix-store --load-db` into a
 * fresh store holding copies of the paths, and Nix's view of references,
 * hashes and contents (`--verify --check-contents`) must agree with ours; Nix's
 * own `--dump-db` output and a real exportReferencesGraph file (from a build)
 * are read back with our parsers.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDistrokitError } from '../../../formats/errors.js';
import { parseBlocks } from '../../../src/store/blocks.js';
import { closureOf, readClosureInfo, readReferencesGraph } from '../../../src/store/closure.js';
import { narHash } from '../../../src/store/nar.js';
import type { StorePathInfo } from '../../../src/store/path-info.js';
import { fillNarHashes, writeRegistration } from '../../../src/store/registration.js';
import { treeFromDirectory } from '../../../src/tree/from-dir.js';
import { freshRootStore, type ScratchStore, scratchStore } from './nix-scratch.js';
import { makeRichTree, scratchDir } from './trees.js';

const work = scratchDir('closure');
afterAll(() => rmSync(work, { recursive: true, force: true }));

let store: ScratchStore;
/** name -> store path */
const P: Record<string, string> = {};
let graph: Map<string, StorePathInfo>;
let closure: StorePathInfo[];

/** All that a clean `--verify --check-contents` prints (a vanished path would add "disappeared" lines and still exit 0). */
const CLEAN_VERIFY = { status: 0, output: 'reading the Nix store...\nchecking path existence...\nchecking link hashes...\nchecking store hashes...\n' };

const info = (name: string, refs: string[]): StorePathInfo => ({ path: P[name]!, deriver: '', references: refs.map((r) => P[r]!) });

function refsOf(run: (args: string[]) => string, path: string): string[] {
  return run(['--query', '--references', path]).split('\n').filter(Boolean).sort();
}

beforeAll(async () => {
  store = scratchStore(join(work, 'nix'));
  for (const name of ['app', 'lib', 'libdep', 'unrelated']) {
    const src = join(work, 'src', name);
    if (name === 'app') makeRichTree(src, 3);
    else {
      mkdirSync(join(src, 'bin'), { recursive: true });
      writeFileSync(join(src, 'bin', name), `#!/bin/sh\necho ${name}\n`, { mode: 0o755 });
    }
    P[name] = store.run('nix-store', ['--add', src]).trim();
  }
  // Store paths that are a single executable file and a single symlink.
  writeFileSync(join(work, 'src', 'script'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  P.script = store.run('nix-store', ['--add', join(work, 'src', 'script')]).trim();
  symlinkSync('/run/current-system/sw/bin/sh', join(work, 'src', 'alias'));
  P.alias = store.run('nix-store', ['--add', join(work, 'src', 'alias')]).trim();
  // app -> app (self), lib, libdep, script; lib -> lib, libdep, alias; unrelated stays outside the closure.
  graph = new Map(
    [info('app', ['app', 'lib', 'libdep', 'script']), info('lib', ['libdep', 'lib', 'alias']), info('libdep', []), info('script', []), info('alias', []), info('unrelated', [])].map((i) => [i.path, i]),
  );
  closure = await fillNarHashes(closureOf(graph, [P.app!], store.storeDir), (p) => p);
});

describe('closureOf + writeRegistration against nix-store --load-db', () => {
  it('the closure is app, lib, libdep, script and alias in byte order, each hashed as Nix hashes it', async () => {
    expect(closure.map((i) => i.path)).toEqual([P.app, P.lib, P.libdep, P.script, P.alias].sort());
    for (const i of closure) {
      expect(i.narHash).toBe(store.run('nix-store', ['--query', '--hash', i.path]).trim());
      expect(i.narSize!.toString()).toBe(store.run('nix-store', ['--query', '--size', i.path]).trim());
    }
    // The same hashes from the tree model of each path (directories through treeFromDirectory).
    const bare = closure.map(({ narHash: _h, narSize: _s, ...rest }) => rest);
    const viaTree = await fillNarHashes(bare, async (p) => (lstatSync(p).isDirectory() ? treeFromDirectory(p, { xattrs: false }) : p));
    expect(viaTree.map((i) => [i.narHash, i.narSize])).toEqual(closure.map((i) => [i.narHash, i.narSize]));
  });

  it('load-db: a fresh store takes it; references, hashes, sizes and contents all check', () => {
    const fresh = freshRootStore(store, join(work, 'fresh-load-db'));
    fresh.copyIn(closure.map((i) => i.path));
    const reg = writeRegistration(closure, 'load-db');
    fresh.run(['--load-db'], reg);
    for (const i of closure) {
      expect(refsOf(fresh.run, i.path)).toEqual([...i.references].sort());
      expect(fresh.run(['--query', '--hash', i.path]).trim()).toBe(i.narHash);
      expect(fresh.run(['--query', '--size', i.path]).trim()).toBe(i.narSize!.toString());
    }
    expect(fresh.run(['--query', '--requisites', P.app!]).split('\n').filter(Boolean).sort()).toEqual(closure.map((i) => i.path).sort());
    expect(fresh.verify()).toEqual(CLEAN_VERIFY);
    // Nix's own dump of that store is the same registration, read back by our parser.
    const dumped = parseBlocks(fresh.run(['--dump-db']), 'dump-db', 'load-db');
    expect(dumped.map((d) => [d.path, d.narHash, d.narSize, [...d.references].sort()])).toEqual(closure.map((i) => [i.path, i.narHash, i.narSize, [...i.references].sort()]));
    expect(writeRegistration(dumped, 'load-db')).toBe(reg);
  });

  it('a changed file is caught: the registration hashes are really checked', () => {
    const fresh = freshRootStore(store, join(work, 'fresh-tampered'));
    fresh.copyIn(closure.map((i) => i.path));
    fresh.run(['--load-db'], writeRegistration(closure, 'load-db'));
    writeFileSync(join(fresh.realPath(P.lib!), 'bin', 'lib'), 'tampered\n');
    const verify = fresh.verify();
    expect(verify.output).toMatch(/was modified/);
    expect(verify.status).not.toBe(0);
  });

  it("print-registration (the seed's pathsFromGraph file): --load-db takes it, references agree, --verify fills in the zero hashes with ours", () => {
    const fresh = freshRootStore(store, join(work, 'fresh-print'));
    fresh.copyIn(closure.map((i) => i.path));
    const reg = writeRegistration(closure, 'print-registration');
    expect(reg.split('\n').slice(0, 4)).toEqual([closure[0]!.path, '0'.repeat(64), '0', '']);
    fresh.run(['--load-db'], reg);
    for (const i of closure) expect(refsOf(fresh.run, i.path)).toEqual([...i.references].sort());
    // Nix takes the zero hash as "missing" and computes it on the first check of the contents.
    const first = fresh.verify();
    expect(first.status).toBe(0);
    for (const i of closure) expect(first.output).toContain(`fixing missing hash on '${i.path}'`);
    for (const i of closure) expect(fresh.run(['--query', '--hash', i.path]).trim()).toBe(i.narHash);
    expect(fresh.verify()).toEqual(CLEAN_VERIFY);
  });

  it('register-validity (path, empty deriver, count, references): Nix hashes the paths itself and agrees', () => {
    const fresh = freshRootStore(store, join(work, 'fresh-register'));
    fresh.copyIn(closure.map((i) => i.path));
    const reg = writeRegistration(closure, 'register-validity');
    expect(reg.split('\n').slice(0, 2)).toEqual([closure[0]!.path, '']);
    fresh.run(['--register-validity'], reg);
    for (const i of closure) {
      expect(refsOf(fresh.run, i.path)).toEqual([...i.references].sort());
      expect(fresh.run(['--query', '--hash', i.path]).trim()).toBe(i.narHash);
    }
    expect(fresh.verify()).toEqual(CLEAN_VERIFY);
  });
});

describe('a cycle through two paths', () => {
  it('is STORE_GRAPH_CYCLE for us, and Nix refuses to load it too', async () => {
    const cyclic = new Map([info('app', ['lib']), info('lib', ['libdep']), info('libdep', ['lib'])].map((i) => [i.path, i]));
    let err: unknown;
    try {
      closureOf(cyclic, [P.app!], store.storeDir);
    } catch (e) {
      err = e;
    }
    expect(isDistrokitError(err, 'STORE_GRAPH_CYCLE')).toBe(true);
    expect((err as { data: { cycle: string[] } }).data.cycle.sort()).toEqual([P.lib, P.libdep].sort());
    const fresh = freshRootStore(store, join(work, 'fresh-cycle'));
    fresh.copyIn([P.app!, P.lib!, P.libdep!]);
    const hashed = await fillNarHashes([...cyclic.values()], (p) => p);
    expect(() => fresh.run(['--load-db'], writeRegistration(hashed, 'load-db'))).toThrow(/cycle detected in the references/);
  });
});

describe('a store path name Nix rejects', () => {
  it('is STORE_PATH_BAD_NAME for us, and --load-db refuses it too', async () => {
    const bad = `${P.lib!.slice(0, -'lib'.length)}l i b`;
    const infos = new Map([[P.app!, { path: P.app!, deriver: '', references: [bad] }], [bad, { path: bad, deriver: '', references: [] }]]);
    let err: unknown;
    try {
      closureOf(infos, [P.app!], store.storeDir);
    } catch (e) {
      err = e;
    }
    expect(isDistrokitError(err, 'STORE_PATH_BAD_NAME')).toBe(true);
    const fresh = freshRootStore(store, join(work, 'fresh-bad-name'));
    const reg = writeRegistration([...infos.values()].map((i) => ({ ...i, narHash: closure[0]!.narHash!, narSize: 1n })), 'load-db');
    expect(() => fresh.run(['--load-db'], reg)).toThrow(/illegal character ' '/);
  });
});

describe('closure inputs written by Nix itself', () => {
  beforeAll(() => {
    // The scratch store learns the references too (load-db re-registers), so a build can export them.
    store.run('nix-store', ['--load-db'], writeRegistration(closure, 'load-db'));
  });

  it('a real exportReferencesGraph file reads back as the same closure', async () => {
    const expr = join(work, 'graph.nix');
    writeFileSync(
      expr,
      `derivation { name = "graph"; system = builtins.currentSystem; builder = "/bin/sh"; args = ["-c" "/bin/cp closure-app $out"]; exportReferencesGraph = ["closure-app" (builtins.storePath "${P.app}")]; }`,
    );
    const out = store.run('nix-build', [expr, '--no-out-link']).trim();
    const text = readFileSync(out, 'utf8');
    expect(text).toContain(`${P.libdep}\n`);
    expect(text).not.toContain(P.unrelated);
    const infos = await readReferencesGraph([out]);
    expect([...infos.keys()].sort()).toEqual(closure.map((i) => i.path));
    const again = closureOf(infos, [P.app!], store.storeDir);
    expect(again.map((i) => [i.path, i.deriver, [...i.references].sort()])).toEqual(closure.map((i) => [i.path, '', [...i.references].sort()]));
    // Our register-validity layout is byte-identical to the file Nix exported.
    expect(writeRegistration(again, 'register-validity')).toBe(text);
  });

  it('a closureInfo directory made of nix-store --dump-db output reads back', async () => {
    const dir = join(work, 'closure-info');
    mkdirSync(dir);
    const paths = closure.map((i) => i.path);
    // --dump-db prints base-16 hashes without 'sha256:'; our parser normalises them.
    const dump = store.run('nix-store', ['--dump-db', ...paths]);
    expect(dump.split('\n')[1]).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(join(dir, 'registration'), dump);
    writeFileSync(join(dir, 'store-paths'), `${paths.join('\n')}\n`);
    const { storePaths, infos } = await readClosureInfo(dir);
    expect(storePaths).toEqual(paths);
    const again = closureOf(infos, [P.app!], store.storeDir);
    expect(again.map((i) => [i.path, i.narHash, i.narSize, [...i.references].sort()])).toEqual(closure.map((i) => [i.path, i.narHash, i.narSize, [...i.references].sort()]));
    // nix-hash, a third opinion on one of them.
    expect(again[0]!.narHash).toBe(`sha256:${execFileSync('nix-hash', ['--type', 'sha256', '--base32', again[0]!.path]).toString().trim()}`);
    expect((await narHash(again[0]!.path)).narHash).toBe(again[0]!.narHash);
  });
});

