/**
 * A real Nix store closure for the store-image tests, made by nix-bin 2.8 in
 * the host's /nix/store (as root, no build users, no sandbox):
 * - `weird`: `nix-store --add` of a generated tree (executables, empty files
 *   and directories, symlinks, names with spaces, a newline and UTF-8);
 * - `leaf`: a single-file store path built by a derivation that references `weird`;
 * - `top`: a directory referencing `leaf` and itself;
 * - `other`: a second root referencing only `weird`;
 * - `graphTop`, `graphOther`: the references graphs of `top` and `other` as Nix's
 *   own `exportReferencesGraph` writes them (copied out by a derivation);
 * - `closureInfo`: a directory in nixpkgs' closureInfo format (store-paths,
 *   registration with narHash/narSize from `nix-store --query`).
 * Every path is content-addressed or built from fixed inputs, so reruns find them built.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const NIX_ENV = { NIX_CONFIG: 'build-users-group =\nsandbox = false' };

export function nix(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...NIX_ENV }, input, maxBuffer: 1 << 28, stdio: ['pipe', 'pipe', 'pipe'] });
}

export interface StoreFixture {
  weird: string;
  leaf: string;
  top: string;
  other: string;
  /** nix-store -qR top other, sorted. */
  closure: string[];
  graphTop: string;
  graphOther: string;
  closureInfo: string;
}

/** Names inside `weird` that a line-based or space-splitting tool would break. */
export const WEIRD_NAMES = ['a file with spaces', 'new\nline', 'ünïcødé 日本語', 'dir with space/inner file'];

function generateWeirdTree(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  writeFileSync(join(dir, 'bin/tool'), '#!/bin/sh\necho tool\n');
  chmodSync(join(dir, 'bin/tool'), 0o755);
  writeFileSync(join(dir, 'empty'), '');
  mkdirSync(join(dir, 'empty-dir'));
  mkdirSync(join(dir, 'deep/a/b/c'), { recursive: true });
  writeFileSync(join(dir, 'deep/a/b/c/leaf.txt'), 'deep\n');
  // 300 KiB of deterministic bytes, with a zero run (a hole in the image) in the middle.
  const data = Buffer.alloc(300 * 1024);
  for (let i = 0; i < data.length; i++) data[i] = i >= 100 * 1024 && i < 200 * 1024 ? 0 : (i * 2654435761) >>> 24;
  writeFileSync(join(dir, 'data.bin'), data);
  mkdirSync(join(dir, 'dir with space'));
  for (const name of WEIRD_NAMES) writeFileSync(join(dir, name), `content of ${JSON.stringify(name)}\n`);
  symlinkSync('bin/tool', join(dir, 'link'));
  symlinkSync('/nonexistent/target', join(dir, 'dangling'));
  symlinkSync('ünïcødé 日本語', join(dir, 'link to unicode'));
  // Names that sort differently as UTF-16 and as bytes.
  writeFileSync(join(dir, '\u{1F600}'), 'astral\n');
  writeFileSync(join(dir, '\uFF5E'), 'bmp\n');
}

export function makeStoreFixture(work: string): StoreFixture {
  const src = join(work, 'distrokit-test-weird');
  generateWeirdTree(src);
  const weird = nix('nix-store', ['--add', src]).trim();
  const expr = `
let
  weird = builtins.storePath "${weird}";
  sh = "/bin/sh";
  system = builtins.currentSystem;
  leaf = derivation { name = "distrokit-test-leaf"; inherit system; builder = sh; args = [ "-c" "echo \${weird} > $out" ]; };
  top = derivation { name = "distrokit-test-top"; inherit system; builder = sh; args = [ "-c" "/bin/mkdir -p $out/bin && echo \${leaf} > $out/dep && echo $out > $out/self && /bin/ln -s \${weird}/bin/tool $out/bin/tool" ]; };
  other = derivation { name = "distrokit-test-other"; inherit system; builder = sh; args = [ "-c" "/bin/mkdir $out && echo \${weird} > $out/dep" ]; };
  graph = name: root: derivation { name = "distrokit-test-graph-\${name}"; inherit system; builder = sh; exportReferencesGraph = [ "closure" root ]; args = [ "-c" "/bin/cp closure $out" ]; };
in { inherit leaf top other; graphTop = graph "top" top; graphOther = graph "other" other; }
`;
  const exprFile = join(work, 'fixture.nix');
  writeFileSync(exprFile, expr);
  const out = (attr: string) => nix('nix-build', ['--no-out-link', exprFile, '-A', attr]).trim();
  const leaf = out('leaf');
  const top = out('top');
  const other = out('other');
  const graphTop = out('graphTop');
  const graphOther = out('graphOther');
  const closure = nix('nix-store', ['-qR', top, other]).trim().split('\n').sort();
  const closureInfo = join(work, 'closure-info');
  writeClosureInfo(closureInfo, closure);
  return { weird, leaf, top, other, closure, graphTop, graphOther, closureInfo };
}

/** nixpkgs' closureInfo: store-paths, and registration as its jq writes it (path, narHash, narSize, "", count, references). */
export function writeClosureInfo(dir: string, paths: string[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'store-paths'), paths.map((p) => `${p}\n`).join(''));
  const lines: string[] = [];
  for (const p of paths) {
    const refs = nix('nix-store', ['-q', '--references', p]).trim().split('\n').filter(Boolean);
    lines.push(p, nix('nix-store', ['-q', '--hash', p]).trim(), nix('nix-store', ['-q', '--size', p]).trim(), '', String(refs.length), ...refs);
  }
  writeFileSync(join(dir, 'registration'), `${lines.join('\n')}\n`);
}
