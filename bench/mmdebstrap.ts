/**
 * Peer measurement for `distrokit image debian`: Debian's mmdebstrap
 * (--mode=root --variant=custom --include=<list>) building a chroot directory
 * of the same package list from a warm cache — the .debs are served from
 * /var/cache/apt/archives (nothing is downloaded; a run that downloads
 * anything is rejected) and the indexes are the machine's apt lists. The time
 * is mmdebstrap's whole process: apt's resolution, dpkg-deb extraction, one
 * chrooted `dpkg --install` running every maintainer script, and its cleanup.
 * Not included: naming the .debs for apt (dpkg-deb -f, done once before) and
 * removing the result.
 *
 * The custom variant installs only --include and its dependencies, and dpkg
 * cannot run without /bin/sh, diff and ldconfig, so each list is given with
 * the Essential: yes and Priority: required base (as `image debian` adds it).
 *
 *   node dist/bench/mmdebstrap.js [runs]     (root; after bin/distrokit demo and
 *                                             fixtures/gen/debian-common-debs.sh)
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dpkgQuery, essentialAndRequired, mmdebstrapVersion, runMmdebstrap } from '../test/helpers/mmdebstrap.js';
import { COMMON_DEBIAN_PACKAGES } from '../src/cli/demo.js';
import { machineLine, median } from './lib.js';

export interface MmdebstrapTiming {
  /** Wall time of the mmdebstrap process. */
  seconds: number;
  /** Packages dpkg reports installed afterwards. */
  installed: number;
}

/**
 * Times one mmdebstrap run of `packages` with the .debs of `debsDirs`, into a
 * temporary directory that is removed afterwards. Throws if mmdebstrap fails
 * or had to download anything (the cache was not warm).
 */
export async function timeMmdebstrap(packages: readonly string[], debsDirs: readonly string[], options: { sourceDateEpoch?: number } = {}): Promise<MmdebstrapTiming> {
  const work = mkdtempSync(join(tmpdir(), 'distrokit-bench-mmdebstrap-'));
  try {
    const target = join(work, 'root');
    const run = await runMmdebstrap({ packages, debsDirs, ...options }, target);
    if (run.downloaded.length) throw new Error(`mmdebstrap downloaded ${run.downloaded.length} files: the cache in ${debsDirs.join(', ')} is not warm\n${run.downloaded.join('\n')}`);
    const installed = dpkgQuery(target).split('\n').filter((l) => l.endsWith('\tinstall ok installed')).length;
    return { seconds: run.seconds, installed };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** nixpkgs' commonDebianPackages with today's names: the set `distrokit demo` builds. */
export const COMMON_DEBIAN = COMMON_DEBIAN_PACKAGES;
export const BASE_FIVE = ['base-files', 'base-passwd', 'bash', 'coreutils', 'dpkg'];

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 1);
  const cache = process.env.DISTROKIT_CACHE ?? join(homedir(), '.cache', 'distrokit');
  const demo = join(cache, 'debs', 'demo');
  const common = join(cache, 'debs', 'common');
  for (const d of [demo, common]) if (!existsSync(d)) throw new Error(`${d} is missing: run bin/distrokit demo and fixtures/gen/debian-common-debs.sh first`);
  const base = essentialAndRequired();
  const lists = [
    { name: `base-files base-passwd bash coreutils dpkg + Essential/required (${base.length} names)`, packages: [...new Set([...BASE_FIVE, ...base])], debs: [common] },
    { name: `nixpkgs common Debian set (${COMMON_DEBIAN.length}) + Essential/required`, packages: [...new Set([...COMMON_DEBIAN, ...base])], debs: [demo, common] },
  ];
  console.log(`# mmdebstrap ${mmdebstrapVersion().replace(/^mmdebstrap /, '')} --mode=root --variant=custom, warm cache, ${runs} run(s) each\n# ${machineLine()}`);
  for (const l of lists) {
    const times: MmdebstrapTiming[] = [];
    for (let i = 0; i < runs; i++) times.push(await timeMmdebstrap(l.packages, l.debs));
    // Fastest and median: on a shared machine the fastest run is the closest to mmdebstrap's own cost.
    const secs = times.map((t) => t.seconds);
    console.log(`${l.name}: ${times[0]!.installed} packages installed, fastest ${Math.min(...secs).toFixed(1)} s, median ${median(secs).toFixed(1)} s (runs: ${secs.map((s) => s.toFixed(1)).join(', ')})`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
