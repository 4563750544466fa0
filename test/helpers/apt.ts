/**
 * apt-get as the closure oracle: a simulated install (-s) on an empty dpkg
 * status, reading exactly the cached indexes (fixtures/gen/debian-indexes.sh
 * writes the lists and a matching sources.list) without Recommends.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { debianCache } from './cache.js';

const run = promisify(execFile);

let stateDir: string | undefined;

function aptOptions(): string[] {
  if (!stateDir) {
    stateDir = mkdtempSync(join(tmpdir(), 'distrokit-apt-'));
    mkdirSync(join(stateDir, 'cache', 'archives', 'partial'), { recursive: true });
    writeFileSync(join(stateDir, 'status'), '');
  }
  const c = join(stateDir, 'cache');
  return [
    '-o', `Dir::State::status=${join(stateDir, 'status')}`,
    '-o', `Dir::State::Lists=${debianCache.lists}`,
    '-o', `Dir::Etc::SourceList=${debianCache.sourcesList}`,
    '-o', 'Dir::Etc::SourceParts=/nonexistent',
    '-o', 'Dir::Etc::Preferences=/nonexistent',
    '-o', 'Dir::Etc::PreferencesParts=/nonexistent',
    '-o', `Dir::Cache=${c}`,
    '-o', `Dir::Cache::pkgcache=${join(c, 'pkgcache.bin')}`,
    '-o', `Dir::Cache::srcpkgcache=${join(c, 'srcpkgcache.bin')}`,
    '-o', 'APT::Install-Recommends=false',
    '-o', 'APT::Architecture=amd64',
    '-o', 'APT::Architectures::=amd64',
    '-o', 'Debug::NoLocking=1',
  ];
}

export type AptResult = { ok: true; installs: string[] } | { ok: false; message: string };

/** The packages `apt-get -s install …` would install (names), or apt's error. */
export async function aptSimulateInstall(packages: readonly string[]): Promise<AptResult> {
  try {
    const { stdout } = await run('apt-get', ['-s', '-q', ...aptOptions(), 'install', ...packages], { maxBuffer: 1 << 26 });
    const installs = stdout
      .split('\n')
      .filter((l) => l.startsWith('Inst '))
      .map((l) => l.split(' ')[1]!)
      .sort();
    return { ok: true, installs };
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
