/** `distrokit ext4 build`: a native ext4 image from a host directory, a tar, .debs or .rpms. */
import { writeExt4 } from '../image/write.js';
import { encodeLabel, type Ext4Options, parseUuid } from '../image/options.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { treeFromDirectory } from '../tree/from-dir.js';
import { SpoolStore } from '../tree/content-store.js';
import { layPackages } from '../tree/packages.js';
import type { DirNode } from '../tree/types.js';
import { EXIT_OK, Progress, UsageError, writeStdout } from './common.js';
import { command, invoke } from './dispatch.js';
import { bytes, checked, dir, epoch, file, integer, oneOf, type OptionSpecs, type OptionValues, owner } from './options.js';

const BUILD_OPTIONS = {
    out: { value: file, help: 'image to write (written to IMG.tmp-PID, renamed when complete)' },
    from: { value: dir, help: 'host directory to copy (owners, modes, times with ns, xattrs)' },
    'from-tar': { value: file, help: 'a tar archive (any compression; pax xattrs kept)' },
    'from-deb': { value: file, multiple: true, help: "a .deb's data (repeatable: laid in order, later packages win)" },
    'from-rpm': { value: file, multiple: true, help: "an .rpm's payload (repeatable)" },
    'merged-usr': { help: 'with --from-rpm/--from-deb: /bin, /sbin, /lib, /lib64 link into /usr' },
    size: {
      value: checked('auto|min|BYTES', (text, option) => (text === 'auto' || text === 'min' ? text : bytes.parse(text, option))),
      help:
        "'auto' (default): the exact minimum plus headroom, by default the larger\nof 16 MiB and 10 % of the minimum's blocks free, and the larger of\n1,000 and 10 % of the used inodes free; 'min': the exact minimum\n(no free block); BYTES (K/M/G suffix ok): fails before writing if the\ntree does not fit",
    },
    'size-heuristic': { value: oneOf(['nixpkgs', 'nixpkgs-current']), help: "'nixpkgs' (make-ext4-fs.nix formula) or 'nixpkgs-current' (minimum + 16 MiB)" },
    'extra-blocks': { value: integer(0, 2 ** 32 - 1), help: 'free 4 KiB blocks to add to the minimum' },
    'extra-inodes': { value: integer(0, 2 ** 32 - 1), help: 'free inodes to add to the used ones' },
    'extra-percent': {
      value: integer(0, 1000, 'P'),
      help: "free blocks and inodes as P % (0-1000) of the minimum's blocks and the used inodes\n(on top of --extra-blocks/--extra-inodes). Any --extra-* option replaces\nthe whole default headroom of --size auto: '--extra-blocks 0' alone\ngives no free block and no free inode beyond the minimum",
    },
    inodes: { value: integer(0, 2 ** 32 - 1), help: 'minimum total inode count' },
    label: { value: checked('L', (text) => (encodeLabel(text), text)), help: 'volume label (≤16 bytes)' },
    uuid: { value: checked('UUID', (text, option) => (parseUuid(text, option), text)), help: 'filesystem UUID (default: derived from the tree)' },
    'hash-seed': { value: checked('UUID', (text, option) => (parseUuid(text, option), text)), help: 'htree hash seed (default: derived from the UUID)' },
    'unsigned-hash': { help: 'use the unsigned-char directory hash (default: signed, as mke2fs on x86)' },
    'source-date-epoch': { value: epoch, help: "clamp every later time to N (decimal, 0 … 4294967295); also the\nfilesystem's own time (default: $SOURCE_DATE_EPOCH, else 0)" },
    owner: { value: owner, help: 'make every file owned by UID:GID' },
    'no-xattrs': { help: 'do not copy extended attributes' },
    'no-journal': { help: 'no JBD2 journal' },
    'no-csum': { help: 'no metadata_csum (for old bootloaders)' },
    'no-64bit': { help: '32-byte group descriptors, no 64bit feature' },
    threads: { value: integer(0, 64), help: 'worker threads reading host files (default: up to 2 for large trees;\n0: none; at most 64). The image is the same for any N' },
    quiet: { help: 'no progress on stderr' },
} as const satisfies OptionSpecs;

const build = command({
  name: 'build',
  summary: 'write an ext4 image from a directory, a tar, .debs or .rpms (no mke2fs, no root, no loop mounts)',
  usage: '--out IMG (--from DIR | --from-tar FILE | --from-deb FILE… | --from-rpm FILE…) [options]',
  options: BUILD_OPTIONS,
  // `--from-deb A.deb B.deb …`: the files after the first one come as positionals.
  positionals: { min: 0, value: file },
  examples: [
    'distrokit ext4 build --out root.img --from ./rootfs --owner 0:0 --source-date-epoch 1700000000',
    'distrokit ext4 build --out root.img --from ./rootfs --size 2G --label nixos',
    'distrokit ext4 build --out boot.img --from ./boot --no-csum --no-64bit --no-journal --json',
  ],
  run: (args) => buildCommand(args.values, args.positionals, args.format),
});

export const commands = [build];

/** In-process entry (tests): errors are thrown, not printed. */
export const run = (args: string[]): Promise<number> => invoke('ext4', commands, args);

type BuildValues = OptionValues<typeof BUILD_OPTIONS>;

async function buildCommand(v: BuildValues, positionals: string[], format: string): Promise<number> {
  if (!v.out) throw new UsageError('ext4 build needs --out IMG');
  if (positionals.length > 0) {
    if (v['from-deb'].length > 0) v['from-deb'].push(...positionals);
    else if (v['from-rpm'].length > 0) v['from-rpm'].push(...positionals);
    else throw new UsageError(`unexpected argument '${positionals[0]}'`);
  }
  const sources = [v.from, v['from-tar'], v['from-deb'].length > 0 ? 1 : undefined, v['from-rpm'].length > 0 ? 1 : undefined].filter((x) => x !== undefined).length;
  if (sources !== 1) throw new UsageError('ext4 build needs exactly one of --from DIR, --from-tar FILE, --from-deb FILE…, --from-rpm FILE…');
  const o: Ext4Options = {
    size: v.size ?? 'auto',
    extraBlocks: v['extra-blocks'],
    extraInodes: v['extra-inodes'],
    extraPercent: v['extra-percent'],
    inodes: v.inodes,
    label: v.label,
    uuid: v.uuid,
    hashSeed: v['hash-seed'],
    unsignedHash: v['unsigned-hash'],
    xattrs: !v['no-xattrs'],
    journal: !v['no-journal'],
    metadataCsum: !v['no-csum'],
    bit64: !v['no-64bit'],
    threads: v.threads,
  };
  if (o.size === 'min' && (v['extra-blocks'] ?? v['extra-inodes'] ?? v['extra-percent']) !== undefined) {
    throw new UsageError('--size min is the exact minimum; --extra-blocks/--extra-inodes/--extra-percent need --size auto');
  }
  const heuristic = v['size-heuristic'];
  if (heuristic !== undefined) {
    if (v.size !== undefined) throw new UsageError('--size and --size-heuristic exclude each other');
    o.sizeHeuristic = heuristic;
  }
  if (v['source-date-epoch'] !== undefined) o.sourceDateEpoch = v['source-date-epoch'];
  if (v.owner !== undefined) o.owner = v.owner;
  const progress = new Progress({ quiet: v.quiet, json: format === 'json' });
  o.onProgress = (phase, done, total) => progress.update(`ext4: ${phase} ${done}/${total}`);
  // Archive contents are spooled here until the image is written.
  const spoolDir = mkdtempSync(join(tmpdir(), 'distrokit-ext4-'));
  const store = new SpoolStore({ dir: spoolDir });
  let summary;
  try {
    let tree: DirNode;
    if (v.from !== undefined) {
      progress.update(`ext4: reading ${v.from}`, true);
      tree = await treeFromDirectory(v.from, { xattrs: v['no-xattrs'] ? false : 'auto' });
    } else {
      const files = [v['from-tar'] ?? [], v['from-deb'], v['from-rpm']].flat();
      // The option stands for SOURCE_DATE_EPOCH here too: the same time for directories no package lists.
      const implicitMtime = o.sourceDateEpoch === undefined ? undefined : { sec: o.sourceDateEpoch, nsec: 0 };
      const laid = await layPackages(files, { store, mergedUsr: v['merged-usr'] === true, implicitMtime, onPackage: ({ file }) => progress.update(`ext4: reading ${file}`, true) });
      tree = laid.root;
    }
    summary = await writeExt4(tree, v.out, o);
  } finally {
    await store.close();
    rmSync(spoolDir, { recursive: true, force: true });
  }
  progress.done();
  if (format === 'json') {
    await writeStdout(`${JSON.stringify({ out: v.out, ...summary })}\n`);
  } else {
    const mib = (summary.bytes / 2 ** 20).toFixed(1);
    await writeStdout(
      `${v.out}: ${mib} MiB, ${summary.blocks} blocks (${summary.freeBlocks} free), ` +
        `${summary.inodes} inodes (${summary.freeInodes} free), ${summary.groups} groups, uuid ${summary.uuid}\n`,
    );
  }
  return EXIT_OK;
}
