/** distrokit's command-line entry: dispatches to one module per command group. */
import { type CommandRunner, EXIT_USAGE, reportError } from './common.js';
import { packageVersion } from './version.js';

/** Each group lives in its own module so groups can land independently. */
const GROUPS: Record<string, { summary: string; load: () => Promise<{ run: CommandRunner }> }> = {
  demo: { summary: 'run the main job on a built-in default (closure of the common Debian set)', load: () => import('./demo.js') },
  deb: { summary: 'Debian indexes, versions, closures and .deb files', load: () => import('./deb.js') },
  initrd: { summary: 'reproducible initrds (cpio newc) and kernel-module closures', load: () => import('./initrd.js') },
  ext4: { summary: 'build ext4 filesystem images natively', load: () => import('./ext4.js') },
  rpm: { summary: 'RPM repositories: closures, version comparison', load: () => import('./rpm.js') },
  archive: { summary: 'list and extract .deb, .rpm, tar, cpio and ar archives', load: () => import('./archive.js') },
  tree: { summary: 'lay packages into one filesystem tree', load: () => import('./tree.js') },
};

const HELP = `distrokit — build Linux distribution images from first principles

Usage: distrokit <group> <command> [options]

Groups:
${Object.entries(GROUPS)
  .map(([name, g]) => `  ${name.padEnd(9)} ${g.summary}`)
  .join('\n')}

Run 'distrokit <group> --help' for the commands of a group.

Examples:
  distrokit demo
  distrokit deb closure --index Packages.xz --format json bash coreutils
  distrokit deb compare-versions 1.0~rc1 lt 1.0
  distrokit rpm closure --repo ./repo --format nix bash
  distrokit rpm compare-versions 2.0~rc1 2.0
`;

export async function main(argv: string[]): Promise<number> {
  const [group, ...rest] = argv;
  if (!group || group === '--help' || group === '-h' || group === 'help') {
    process.stdout.write(HELP);
    return group ? 0 : EXIT_USAGE;
  }
  if (group === '--version') {
    process.stdout.write(`distrokit ${packageVersion()}\n`);
    return 0;
  }
  const entry = GROUPS[group];
  if (!entry) {
    process.stderr.write(`distrokit: unknown command group '${group}'\n\n${HELP}`);
    return EXIT_USAGE;
  }
  try {
    const mod = await entry.load();
    return await mod.run(rest);
  } catch (err) {
    return reportError(err, rest.includes('--json') || rest.includes('--format=json'));
  }
}
