/**
 * Builds a gzip initrd from a directory (default /usr/include) with distrokit
 * and with `find | sort -z | cpio -o -H newc --reproducible | gzip -9n` in the
 * same run, and prints times, sizes and the ratio. Both use gzip level 9 on
 * the same normalised tree (times @1, owners 0:0), so the uncompressed
 * archives are byte-identical and only the pipelines differ.
 *
 *   node dist/bench/initrd-build.js [DIR] [ROUNDS]
 */
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { cpus } from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { buildInitrd } from '../src/initrd/build.js';
import { treeFromDirectory } from '../src/tree/from-dir.js';

const dir = process.argv[2] ?? '/usr/include';
const rounds = Number(process.argv[3] ?? 3);
const out = '/tmp/distrokit-bench-initrd';

async function ours(): Promise<number> {
  const t = performance.now();
  const tree = await treeFromDirectory(dir, { xattrs: false });
  await pipeline(Readable.from(buildInitrd(tree, { compression: 'gzip', level: 9, mtime: 1 })), createWriteStream(`${out}.ours`));
  return performance.now() - t;
}

function peer(): number {
  const t = performance.now();
  execSync(
    `find . -mindepth 1 -printf '%P\\0' | LC_ALL=C sort -z | cpio -o -H newc --reproducible --null --quiet -R 0:0 | gzip -9n > ${out}.peer`,
    { cwd: dir, stdio: 'inherit', shell: '/bin/bash' },
  );
  return performance.now() - t;
}

function sha(cmd: string): string {
  return createHash('sha256').update(execSync(cmd, { maxBuffer: 1 << 30 })).digest('hex');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const oursT: number[] = [];
const peerT: number[] = [];
for (let i = 0; i < rounds; i++) {
  oursT.push(await ours());
  peerT.push(peer());
}
const size = (f: string) => Number(execSync(`stat -c %s ${f}`).toString());
console.log(`machine: nproc=${cpus().length} cpu="${cpus()[0]?.model}" node=${process.version}`);
console.log(`input: ${dir}`);
console.log(`distrokit: median ${median(oursT).toFixed(0)} ms of ${oursT.map((x) => x.toFixed(0)).join(', ')}; ${size(`${out}.ours`)} bytes`);
console.log(`find|sort|cpio|gzip -9n: median ${median(peerT).toFixed(0)} ms of ${peerT.map((x) => x.toFixed(0)).join(', ')}; ${size(`${out}.peer`)} bytes`);
console.log(`ratio distrokit/peer: ${(median(oursT) / median(peerT)).toFixed(2)} (below 1 = faster)`);
// The peer does not normalise mtimes (make-initrd touches the tree first), so compare listings, not bytes.
console.log(`same member list: ${sha(`gzip -dc ${out}.ours | cpio -it --quiet`) === sha(`gzip -dc ${out}.peer | cpio -it --quiet`)}`);
