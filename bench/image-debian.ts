/**
 * `image debian` against mmdebstrap: nixpkgs' common Debian set (plus the
 * Essential/required base) from package names to a configured system, both
 * from warm package caches, one after the other on the same machine.
 * distrokit's stages are timed separately (resolve, fetch = verify the cached
 * .debs, unpack, write, configure = boot + dpkg in the guest); mmdebstrap
 * (--mode=root --variant=custom) is one process that resolves with apt,
 * extracts with dpkg-deb and runs dpkg natively, chrooted.
 *
 *   node dist/bench/image-debian.js [base|common]   (root; mmdebstrap installed)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDebianImage } from '../src/vm/debian/image.js';
import { debDownloadDir, obtainDebs } from '../src/vm/debian/obtain.js';
import { planImage } from '../src/vm/debian/plan.js';
import { machineLine } from './lib.js';
import { BASE_FIVE, COMMON_DEBIAN, timeMmdebstrap } from './mmdebstrap.js';

async function main(): Promise<void> {
  const which = process.argv[2] === 'base' ? 'base' : 'common';
  const packages = which === 'base' ? BASE_FIVE : COMMON_DEBIAN;
  console.log(`# image debian vs mmdebstrap --mode=root --variant=custom: ${which} set (${packages.join(' ')}) + Essential/required\n# ${machineLine()}`);
  const doc = await planImage({ packages, essential: true });
  // Warm cache for both: the .debs are downloaded and verified once, untimed.
  await obtainDebs(doc);
  const work = mkdtempSync(join(tmpdir(), 'distrokit-bench-image-'));
  try {
    const started = performance.now();
    const summary = await buildDebianImage({ out: join(work, 'image.img'), packages, essential: true });
    const ours = (performance.now() - started) / 1000;
    const peer = await timeMmdebstrap(doc.packages.map((p) => p.name), [debDownloadDir()]);
    const s = summary.stages;
    console.log(`packages: ${summary.packages} (mmdebstrap: ${peer.installed}); accel: ${summary.accel}`);
    console.log('| stage | distrokit (s) |\n|---|---|');
    for (const stage of ['resolve', 'fetch', 'unpack', 'write', 'configure'] as const) console.log(`| ${stage} | ${s[stage].toFixed(1)} |`);
    console.log(`| total | ${ours.toFixed(1)} |`);
    const g = summary.guest;
    console.log(`configure under ${summary.accel}: boot ${g.boot.toFixed(1)} s, dpkg unpack ${g.unpack.toFixed(1)} s, dpkg configure + triggers + cleanup ${g.configure.toFixed(1)} s, shutdown ${g.shutdown.toFixed(1)} s`);
    console.log(`mmdebstrap: ${peer.seconds.toFixed(1)} s; distrokit / mmdebstrap = ×${(ours / peer.seconds).toFixed(2)} (host part without configure: ×${((ours - s.configure) / peer.seconds).toFixed(2)})`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
