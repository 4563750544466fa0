/**
 * apt-get as the closure oracle: a simulated install (-s) on an empty dpkg
 * status, reading exactly the cached indexes (fixtures/gen/debian-indexes.sh
 * writes the lists and a matching sources.list) without Recommends.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';
import { debianCache } from './cache.js';

const run = promisify(execFile);

let stateDir: string | undefined;
/** The temporary directories this module made for the test file that imports it, removed after that file. */
const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  stateDir = undefined;
});

/** Where apt finds its lists: by default the cached bookworm lists. */
export interface AptSource {
  lists: string;
  sourcesList: string;
}

const BOOKWORM: AptSource = { lists: debianCache.lists, sourcesList: debianCache.sourcesList };

function aptOptions(source: AptSource, recommends: boolean): string[] {
  if (!stateDir) {
    stateDir = mkdtempSync(join(tmpdir(), 'distrokit-apt-'));
    made.push(stateDir);
    writeFileSync(join(stateDir, 'status'), '');
  }
  // One binary cache per list directory (apt rebuilds it when the lists change).
  const c = join(stateDir, 'cache', source.lists.replace(/[^A-Za-z0-9]/g, '_'));
  mkdirSync(join(c, 'archives', 'partial'), { recursive: true });
  return [
    '-o', `Dir::State::status=${join(stateDir, 'status')}`,
    '-o', `Dir::State::Lists=${source.lists}`,
    '-o', `Dir::Etc::SourceList=${source.sourcesList}`,
    '-o', 'Dir::Etc::SourceParts=/nonexistent',
    '-o', 'Dir::Etc::Preferences=/nonexistent',
    '-o', 'Dir::Etc::PreferencesParts=/nonexistent',
    '-o', `Dir::Cache=${c}`,
    '-o', `Dir::Cache::pkgcache=${join(c, 'pkgcache.bin')}`,
    '-o', `Dir::Cache::srcpkgcache=${join(c, 'srcpkgcache.bin')}`,
    '-o', `APT::Install-Recommends=${recommends}`,
    '-o', 'APT::Architecture=amd64',
    '-o', 'APT::Architectures::=amd64',
    '-o', 'Debug::NoLocking=1',
  ];
}

/** Names installed (sorted) and apt's 'Inst …' lines as printed, or apt's error. */
export type AptResult = { ok: true; installs: string[]; instLines: string[] } | { ok: false; message: string };

/** The packages `apt-get -s install …` would install (names), or apt's error; Recommends only when asked. */
export async function aptSimulateInstall(packages: readonly string[], source: AptSource = BOOKWORM, options: { recommends?: boolean } = {}): Promise<AptResult> {
  try {
    const { stdout } = await run('apt-get', ['-s', '-q', ...aptOptions(source, options.recommends === true), 'install', ...packages], { maxBuffer: 1 << 26 });
    const instLines = stdout.split('\n').filter((l) => l.startsWith('Inst '));
    const installs = instLines.map((l) => l.split(' ')[1]!).sort();
    return { ok: true, installs, instLines };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, message: `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(-6).join('\n') };
  }
}

/** Runs `fn` over items with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * An apt source of synthetic Packages indexes (for policy tests on crafted
 * data): one suite per index, in the order given (apt reads them in
 * sources.list order), each with an optional Release file (e.g. to say
 * NotAutomatic). Filename/Size/SHA256 are filled in where missing, since apt
 * refuses to plan installing a package it could not download.
 */
export function syntheticAptSource(packagesText: string | readonly string[], releases: readonly (string | undefined)[] = []): AptSource {
  const dir = mkdtempSync(join(tmpdir(), 'distrokit-synth-'));
  made.push(dir);
  mkdirSync(join(dir, 'lists'));
  const texts = typeof packagesText === 'string' ? [packagesText] : packagesText;
  const lines = texts.map((text, k) => {
    const suite = texts.length === 1 ? 'test' : `test${k}`;
    const stanzas = text
      .trim()
      .split(/\n\s*\n/)
      .filter((st) => st.trim() !== '')
      .map((st) => {
        const name = /^Package:\s*(\S+)/m.exec(st)![1];
        let out = st.trim();
        if (!/^Filename:/m.test(out)) out += `\nFilename: pool/${name}.deb`;
        if (!/^Size:/m.test(out)) out += '\nSize: 1000';
        if (!/^SHA256:/m.test(out)) out += `\nSHA256: ${'0'.repeat(64)}`;
        return out;
      });
    writeFileSync(join(dir, 'lists', `example.org_debian_dists_${suite}_main_binary-amd64_Packages`), stanzas.length ? `${stanzas.join('\n\n')}\n` : '');
    const release = releases[k];
    if (release !== undefined) writeFileSync(join(dir, 'lists', `example.org_debian_dists_${suite}_Release`), `Suite: ${suite}\nCodename: ${suite}\nArchitectures: amd64\nComponents: main\n${release}`);
    return `deb [trusted=yes arch=amd64] http://example.org/debian ${suite} main\n`;
  });
  writeFileSync(join(dir, 'sources.list'), lines.join(''));
  return { lists: join(dir, 'lists'), sourcesList: join(dir, 'sources.list') };
}
