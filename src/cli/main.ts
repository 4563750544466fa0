/** distrokit's command-line entry: the groups, each in its own module (loaded on demand), and --version. */
import { dispatch, type GroupSpec } from './dispatch.js';
import { packageVersion } from './version.js';

export const GROUPS: GroupSpec[] = [
  { name: 'demo', summary: 'run the main job on a built-in default (closure of the common Debian set)', load: async () => (await import('./demo.js')).commands, direct: true },
  { name: 'deb', summary: 'Debian indexes, versions, closures and .deb files', load: async () => (await import('./deb.js')).commands },
  { name: 'initrd', summary: 'reproducible initrds (cpio newc) and kernel-module closures', load: async () => (await import('./initrd.js')).commands },
  { name: 'ext4', summary: 'build ext4 filesystem images natively', load: async () => (await import('./ext4.js')).commands },
  { name: 'rpm', summary: 'RPM repositories: closures, version comparison, .rpm files', load: async () => (await import('./rpm.js')).commands },
  { name: 'archive', summary: 'list and extract .deb, .rpm, tar, cpio and ar archives', load: async () => (await import('./archive.js')).commands },
  { name: 'vm', summary: 'run commands in a throw-away Linux VM (QEMU)', load: async () => (await import('./vm.js')).commands },
  { name: 'image', summary: 'configured system images: a Debian image with its maintainer scripts run', load: async () => (await import('./image.js')).commands },
  {
    name: 'fetch',
    summary: 'verified downloads: signed repository indexes, packages of a closure into a content-addressed cache',
    load: async () => [...(await import('./fetch.js')).commands, ...(await import('./fetch-packages.js')).commands],
  },
  { name: 'catalog', summary: 'the distributions distrokit knows: mirrors, suites, signing keys, package sets', load: async () => (await import('./catalog.js')).commands },
  { name: 'store-image', summary: 'an ext4 image of a Nix store closure with its registration (make-ext4-fs.nix)', load: async () => (await import('./store.js')).commands, direct: true },
  { name: 'tree', summary: 'lay packages into one filesystem tree', load: async () => (await import('./tree.js')).commands },
];

const PROGRAM = {
  intro: 'distrokit — build Linux distribution images from first principles',
  examples: [
    'distrokit demo',
    'distrokit deb closure --index Packages.xz --format nix bash coreutils',
    'distrokit deb compare-versions 1.0~rc1 lt 1.0',
    'distrokit rpm closure --repo ./repo --format nix bash',
    'distrokit rpm compare-versions 2.0~rc1 2.0',
  ],
};

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--version') {
    process.stdout.write(`distrokit ${packageVersion()}\n`);
    return 0;
  }
  return dispatch(PROGRAM, GROUPS, argv);
}
