/**
 * `distrokit demo`: the main job on a built-in default, the whole pipeline.
 * It reads this machine's own bookworm apt lists, resolves the closure of
 * nixpkgs' common Debian package set plus the Essential/required base, prints
 * it in install groups, and builds a configured Debian image with `image
 * debian`'s library function (download, native unpack, ext4, boot, dpkg
 * configures every package), then compiles and runs a C program with the
 * guest's gcc — what nixpkgs' debClosureGenerator + fillDiskWithDebs +
 * runInLinuxImage do.
 */
import { buildDebianImage } from '../vm/debian/image.js';
import { planImage, planIndexes } from '../vm/debian/plan.js';
import { kvmUsable } from '../vm/qemu.js';
import { EXIT_OK, writeStdout } from './common.js';
import { command } from './dispatch.js';
import { imageProgressPrinter } from './image.js';
import { file } from './options.js';

/** nixpkgs' commonDebianPackages with today's names (sysvinit → sysvinit-core, diff → diffutils). */
export const COMMON_DEBIAN_PACKAGES = [
  'base-passwd', 'dpkg', 'libc6-dev', 'perl', 'sysvinit-core', 'bash', 'gzip', 'bzip2', 'tar', 'grep', 'findutils', 'g++', 'make', 'curl', 'patch', 'diffutils',
];

const demo = command({
  name: 'demo',
  summary: 'resolve, download and write the common Debian set as an ext4 image',
  usage: '[--out IMG] [--closure-only] [--json]',
  description: [
    "Resolves the closure of nixpkgs' common Debian package set",
    `(${COMMON_DEBIAN_PACKAGES.join(' ')})`,
    "plus the Essential/required base from this machine's bookworm apt lists and prints its",
    'install groups; then downloads the .debs (sha256-checked, cached in ~/.cache/distrokit),',
    'unpacks them natively, writes an ext4 image (default ./distrokit-demo.img), boots it in',
    "QEMU, lets dpkg configure every package, and compiles and runs a C program with the guest's",
    "gcc; each stage's time is printed. With --json: the closure document (as 'deb closure'), no image.",
  ].join('\n'),
  options: {
    'closure-only': { help: 'stop after the closure' },
    out: { value: file, default: 'distrokit-demo.img', help: 'the image to write (default ./distrokit-demo.img)' },
  },
  positionals: { min: 0, max: 0 },
  examples: ['distrokit demo', 'distrokit demo --closure-only --json | jq .groups', 'distrokit demo --out /tmp/bookworm.img && e2fsck -fn /tmp/bookworm.img'],
  run: ({ values, format }) => runDemo(values['closure-only'], values.out, format === 'json'),
});

export const commands = [demo];

/** The program the demo compiles and runs inside the configured guest, with the guest's own gcc. */
export const DEMO_PROGRAM = `set -e
cat > /tmp/hello.c <<'EOF'
#include <stdio.h>
#include <sys/utsname.h>
int main(void) {
  struct utsname u;
  uname(&u);
  printf("hello from a C program compiled inside the image: %s %s %s\\n", u.sysname, u.release, u.machine);
  return 0;
}
EOF
gcc --version | head -n 1
gcc -O2 -Wall -o /tmp/hello /tmp/hello.c
/tmp/hello
rm -f /tmp/hello /tmp/hello.c`;

async function runDemo(closureOnly: boolean, out: string, json: boolean): Promise<number> {
  // The machine's apt lists (IMAGE_NO_INDEXES, saying to run apt-get update, when there are none).
  const lists = planIndexes(undefined);
  const started = performance.now();
  process.stderr.write(`reading ${lists.map((l) => l.path).join(', ')}\n`);
  const doc = await planImage({ packages: COMMON_DEBIAN_PACKAGES, indexes: lists, essential: true });
  const ms = performance.now() - started;
  if (json) {
    await writeStdout(`${JSON.stringify(doc, null, 2)}\n`);
    return EXIT_OK;
  }
  const versions = new Map(doc.packages.map((p) => [p.name, p.version]));
  const lines = [
    `Closure of nixpkgs' common Debian package set plus the Essential/required base, on bookworm (${lists.length} apt lists):`,
    `  ${doc.packages.length} packages, ${doc.groups.length} install groups, ${(doc.packages.reduce((n, p) => n + (p.size ?? 0), 0) / 1e6).toFixed(1)} MB of .debs`,
    '',
    ...doc.groups.map((g, i) => `  ${String(i).padStart(3)}  ${g.map((name) => `${name}=${versions.get(name)}`).join('  ')}`),
    '',
    `resolved in ${ms.toFixed(0)} ms`,
  ];
  await writeStdout(`${lines.join('\n')}\n`);
  if (closureOnly) return EXIT_OK;
  if (!kvmUsable()) process.stderr.write('distrokit: KVM is not available (/dev/kvm); the VM runs under TCG emulation (slow)\n');
  const summary = await buildDebianImage({
    out,
    packages: COMMON_DEBIAN_PACKAGES,
    closure: doc,
    postInstall: DEMO_PROGRAM,
    onProgress: imageProgressPrinter(false),
    onGuestOutput: (line) => process.stdout.write(`  guest: ${line}\n`),
  });
  const s = summary.stages;
  await writeStdout(
    `\n${out}: a configured Debian system, ${summary.packages} packages; ext4 ${(summary.bytes / 2 ** 20).toFixed(1)} MiB (kernel ${summary.kernelRelease}, ${summary.accel})\n` +
      `  resolve ${(ms / 1000).toFixed(1)} s, fetch ${s.fetch.toFixed(1)} s, unpack ${s.unpack.toFixed(1)} s, write ${s.write.toFixed(1)} s, ` +
      `boot + configure + compile ${s.configure.toFixed(1)} s; total ${((performance.now() - started) / 1000).toFixed(1)} s\n` +
      `check it with: e2fsck -fn ${out}; run it with: distrokit vm run --image ${out} -- dpkg -l\n`,
  );
  return EXIT_OK;
}
