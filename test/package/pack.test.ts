/**
 * The published package, as a user gets it: a fresh clone of this
 * repository's HEAD is packed with `npm pack` (its prepack builds dist/), the
 * tarball is installed into an empty project with `npm i --prefer-offline`
 * (the runtime dependencies' tarballs come from the npm cache that `npm ci`
 * in the clone filled; only their registry metadata may be fetched), and the
 * installed CLI (without network) and every library subpath are used from
 * there. One pack is shared by the tests of this file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Each subpath of the exports map, and one export it must have (with its typeof). */
const SUBPATHS: Record<string, [name: string, type: 'function' | 'object']> = {
  './deb': ['compareVersions', 'function'],
  './rpm': ['rpmvercmp', 'function'],
  './repodata': ['parsePrimary', 'function'],
  './compress': ['decompress', 'function'],
  './deb822': ['parseDeb822', 'function'],
  './graph': ['installGroups', 'function'],
  './tree': ['Tree', 'function'],
  './ext4': ['writeExt4', 'function'],
  './archive': ['readAr', 'function'],
  './errors': ['DistrokitError', 'function'],
  './initrd': ['buildInitrd', 'function'],
  './vm': ['qemuArgs', 'function'],
  './elf': ['readDynamicInfo', 'function'],
  './fetch': ['downloadVerified', 'function'],
};

let work: string;
/** The installed package's directory inside the consumer project. */
let consumer: string;
let tarballFiles: string[];
let version: string;

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'distrokit-pack-'));
  const clone = join(work, 'clone');
  const head = run('git', ['rev-parse', 'HEAD'], REPO).trim();
  run('git', ['clone', '--quiet', '--no-checkout', REPO, clone], work);
  run('git', ['checkout', '--quiet', head], clone);
  // The clone has no node_modules: prepack needs TypeScript, as on any fresh clone.
  run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], clone);
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], clone)) as { filename: string; version: string; files: { path: string }[] }[];
  tarballFiles = packed[0]!.files.map((f) => f.path).sort();
  version = packed[0]!.version;
  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  run('npm', ['i', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(work, packed[0]!.filename)], consumer);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** `npx distrokit …` in the consumer project, in a network namespace without network (unshare -n, as root). */
function npx(args: string[]) {
  const res = spawnSync('unshare', ['--net', 'npx', '--no-install', 'distrokit', ...args], { cwd: consumer, encoding: 'utf8', env: { ...process.env, npm_config_offline: 'true' } });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

function node(script: string) {
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: consumer, encoding: 'utf8' });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('npm pack of a fresh clone, installed into an empty project', () => {
  it('ships dist (code and types, no source maps), the bin, package.json and README: no sources, tests or fixtures', () => {
    const outside = tarballFiles.filter((f) => !/^dist\/(src|formats)\/.*\.(js|d\.ts)$/.test(f));
    expect(outside).toEqual(['README.md', 'bin/distrokit', 'package.json']);
    expect(tarballFiles.some((f) => /(^|\/)(test|fixtures)\//.test(f) || f.endsWith('.map') || f.includes('tsconfig'))).toBe(false);
    expect(tarballFiles.filter((f) => f.startsWith('dist/src/cli/'))).toContain('dist/src/cli/run.js');
  });

  it('has exactly the pinned exports map, types first, each target in the tarball', () => {
    const pkg = JSON.parse(readFileSync(join(consumer, 'node_modules/distrokit/package.json'), 'utf8')) as { exports: Record<string, unknown>; bin: unknown };
    expect(Object.keys(pkg.exports)).toEqual([...Object.keys(SUBPATHS), './package.json']);
    for (const subpath of Object.keys(SUBPATHS)) {
      const target = pkg.exports[subpath] as Record<string, string>;
      expect(Object.keys(target), subpath).toEqual(['types', 'default']);
      expect(tarballFiles, subpath).toContain(target.types!.replace(/^\.\//, ''));
      expect(tarballFiles, subpath).toContain(target.default!.replace(/^\.\//, ''));
    }
    expect(pkg.bin).toEqual({ distrokit: './bin/distrokit' });
  });

  it('npx distrokit --help, --version and deb compare-versions work', () => {
    const help = npx(['--help']);
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^distrokit — /);
    expect(help.stdout).toMatch(/Examples:/);
    expect(npx(['--version'])).toMatchObject({ status: 0, stdout: `distrokit ${version}\n` });
    expect(npx(['deb', 'compare-versions', '1', 'lt', '2']).status).toBe(0);
    expect(npx(['deb', 'compare-versions', '2', 'lt', '1']).status).toBe(1);
  });

  it('node -e "import(\'distrokit/deb\')" works and compares like dpkg', () => {
    const res = node(`const deb = await import('distrokit/deb'); console.log(deb.compareVersions('1.0~rc1', '1.0'));`);
    expect(res.stderr).toBe('');
    expect(Number(res.stdout)).toBeLessThan(0);
  });

  it('every subpath imports and has its named export', () => {
    const script = `
      const want = ${JSON.stringify(SUBPATHS)};
      const got = {};
      for (const [subpath, [name]] of Object.entries(want)) got[subpath] = [name, typeof (await import('distrokit' + subpath.slice(1)))[name]];
      console.log(JSON.stringify(got));`;
    const res = node(script);
    expect(res.stderr).toBe('');
    expect(JSON.parse(res.stdout)).toEqual(SUBPATHS);
  });

  it("the distribution catalog ships: import('distrokit/fetch') lists it and resolves mirror:// URLs", () => {
    const res = node(
      `const f = await import('distrokit/fetch'); console.log(JSON.stringify([f.listDistributions().length, f.lookupDistribution('bookworm').name, f.resolveMirrorUrl('mirror://debian/x')]));`,
    );
    expect(res.stderr).toBe('');
    const [count, name, url] = JSON.parse(res.stdout);
    expect(count).toBeGreaterThanOrEqual(13);
    expect([name, url]).toEqual(['debian-12', 'http://deb.debian.org/debian/x']);
  });

  it('has no root export (docs/api.md says why): import("distrokit") is ERR_PACKAGE_PATH_NOT_EXPORTED', () => {
    const res = node(`await import('distrokit').catch((e) => { console.log(e.code); });`);
    expect(res.stdout.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('the types resolve for every subpath (tsc, NodeNext) in the consumer', () => {
    const imports = Object.entries(SUBPATHS).map(([subpath, [name]], i) => `import { ${name} as e${i} } from 'distrokit${subpath.slice(1)}';`);
    const uses = `export const all = [${imports.map((_, i) => `e${i}`).join(', ')}];`;
    writeFileSync(join(consumer, 'check.ts'), `${imports.join('\n')}\n${uses}\nimport { compareVersions } from 'distrokit/deb';\nexport const n: number = compareVersions('1', '2');\n`);
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(REPO, 'node_modules/@types')] },
        files: ['check.ts'],
      }),
    );
    const res = spawnSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', consumer], { cwd: consumer, encoding: 'utf8' });
    expect(res.stdout + res.stderr).toBe('');
    expect(res.status).toBe(0);
  });
});
