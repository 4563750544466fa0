/** `distrokit ext4 build`: a native ext4 image from a host directory. */
import { parseArgs } from 'node:util';
import { writeExt4 } from '../image/write.js';
import type { Ext4Options } from '../image/options.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { treeFromDirectory } from '../tree/from-dir.js';
import { SpoolStore } from '../tree/content-store.js';
import { layPackages } from '../tree/packages.js';
import type { DirNode } from '../tree/types.js';
import { sourceDateEpochOption } from './epoch-option.js';
import { EXIT_OK, EXIT_USAGE, Progress, UsageError, parseUsage, writeStdout } from './common.js';

const HELP = `distrokit ext4 — build ext4 filesystem images natively (no mke2fs, no root, no loop mounts)

Usage: distrokit ext4 build --out IMG (--from DIR | --from-tar FILE | --from-deb FILE… | --from-rpm FILE…) [options]

Options:
  --out IMG               image to write (written to IMG.tmp-PID, renamed when complete)
  --from DIR              host directory to copy (owners, modes, times with ns, xattrs)
  --from-tar FILE         a tar archive (any compression; pax xattrs kept)
  --from-deb FILE         a .deb's data (repeatable: laid in order, later packages win)
  --from-rpm FILE         an .rpm's payload (repeatable)
  --merged-usr            with --from-rpm/--from-deb: /bin, /sbin, /lib, /lib64 link into /usr
  --size auto|min|BYTES   'auto' (default): the exact minimum plus headroom, by default the larger
                          of 16 MiB and 10 % of the minimum's blocks free, and the larger of
                          1,000 and 10 % of the used inodes free; 'min': the exact minimum
                          (no free block); BYTES (K/M/G suffix ok): fails before writing if the
                          tree does not fit
  --size-heuristic H      'nixpkgs' (make-ext4-fs.nix formula) or 'nixpkgs-current' (minimum + 16 MiB)
  --extra-blocks N        free 4 KiB blocks to add to the minimum
  --extra-inodes N        free inodes to add to the used ones
  --extra-percent P       free blocks and inodes as P % of the minimum's blocks and the used inodes
                          (on top of --extra-blocks/--extra-inodes). Any --extra-* option replaces
                          the whole default headroom of --size auto: '--extra-blocks 0' alone
                          gives no free block and no free inode beyond the minimum
  --inodes N              minimum total inode count
  --label L               volume label (≤16 bytes)
  --uuid U                filesystem UUID (default: derived from the tree)
  --hash-seed U           htree hash seed (default: derived from the UUID)
  --unsigned-hash         use the unsigned-char directory hash (default: signed, as mke2fs on x86)
  --source-date-epoch N   clamp every later time to N (decimal, 0 … 4294967295); also the
                          filesystem's own time (default: $SOURCE_DATE_EPOCH, else 0)
  --owner UID:GID         make every file owned by UID:GID
  --no-xattrs             do not copy extended attributes
  --no-journal            no JBD2 journal
  --no-csum               no metadata_csum (for old bootloaders)
  --no-64bit              32-byte group descriptors, no 64bit feature
  --threads N             worker threads reading host files (default: up to 2 for large trees;
                          0: none). The image is the same for any N
  --json                  print the summary as JSON
  --quiet                 no progress on stderr

Examples:
  distrokit ext4 build --out root.img --from ./rootfs --owner 0:0 --source-date-epoch 1700000000
  distrokit ext4 build --out root.img --from ./rootfs --size 2G --label nixos
  distrokit ext4 build --out boot.img --from ./boot --no-csum --no-64bit --no-journal --json
`;

function parseBytes(text: string, what: string): number {
  const m = /^(\d+)([KMGT]?)(i?B)?$/i.exec(text);
  if (!m) throw new UsageError(`${what} '${text}' is not a byte count`);
  const mult = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  return Number(m[1]) * mult;
}

function parseCount(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`${what} '${text}' is not a non-negative integer`);
  return Number(text);
}

export async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command ? EXIT_OK : EXIT_USAGE;
  }
  if (command !== 'build') throw new UsageError(`unknown ext4 command '${command}'`);
  const { values: v, positionals } = parseUsage(() =>
    parseArgs({
      args: rest,
      options: {
        out: { type: 'string' },
        from: { type: 'string' },
        'from-tar': { type: 'string' },
        'from-deb': { type: 'string', multiple: true },
        'from-rpm': { type: 'string', multiple: true },
        'merged-usr': { type: 'boolean' },
        size: { type: 'string' },
        'size-heuristic': { type: 'string' },
        'extra-blocks': { type: 'string' },
        'extra-inodes': { type: 'string' },
        'extra-percent': { type: 'string' },
        inodes: { type: 'string' },
        label: { type: 'string' },
        uuid: { type: 'string' },
        'hash-seed': { type: 'string' },
        'unsigned-hash': { type: 'boolean' },
        'source-date-epoch': { type: 'string' },
        owner: { type: 'string' },
        'no-xattrs': { type: 'boolean' },
        'no-journal': { type: 'boolean' },
        'no-csum': { type: 'boolean' },
        'no-64bit': { type: 'boolean' },
        threads: { type: 'string' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      // `--from-deb A.deb B.deb …`: the files after the first one come as positionals.
      allowPositionals: true,
    }),
  );
  if (v.help) {
    process.stdout.write(HELP);
    return EXIT_OK;
  }
  if (!v.out) throw new UsageError('ext4 build needs --out IMG');
  if (positionals.length > 0) {
    if (v['from-deb']) v['from-deb'].push(...positionals);
    else if (v['from-rpm']) v['from-rpm'].push(...positionals);
    else throw new UsageError(`unexpected argument '${positionals[0]}'`);
  }
  const sources = [v.from, v['from-tar'], v['from-deb'], v['from-rpm']].filter((x) => x !== undefined).length;
  if (sources !== 1) throw new UsageError('ext4 build needs exactly one of --from DIR, --from-tar FILE, --from-deb FILE…, --from-rpm FILE…');
  const o: Ext4Options = {
    size: v.size === undefined || v.size === 'auto' || v.size === 'min' ? (v.size ?? 'auto') : parseBytes(v.size, '--size'),
    extraBlocks: parseCount(v['extra-blocks'], '--extra-blocks'),
    extraInodes: parseCount(v['extra-inodes'], '--extra-inodes'),
    extraPercent: parseCount(v['extra-percent'], '--extra-percent'),
    inodes: parseCount(v.inodes, '--inodes'),
    label: v.label,
    uuid: v.uuid,
    hashSeed: v['hash-seed'],
    unsignedHash: v['unsigned-hash'] === true,
    xattrs: !v['no-xattrs'],
    journal: !v['no-journal'],
    metadataCsum: !v['no-csum'],
    bit64: !v['no-64bit'],
    threads: parseCount(v.threads, '--threads'),
  };
  if (o.size === 'min' && (v['extra-blocks'] ?? v['extra-inodes'] ?? v['extra-percent']) !== undefined) {
    throw new UsageError("--size min is the exact minimum; --extra-blocks/--extra-inodes/--extra-percent need --size auto");
  }
  const heuristic = v['size-heuristic'];
  if (heuristic !== undefined) {
    if (heuristic !== 'nixpkgs' && heuristic !== 'nixpkgs-current') throw new UsageError(`--size-heuristic must be nixpkgs or nixpkgs-current`);
    if (v.size !== undefined) throw new UsageError('--size and --size-heuristic exclude each other');
    o.sizeHeuristic = heuristic;
  }
  o.sourceDateEpoch = sourceDateEpochOption(v['source-date-epoch']);
  if (v.owner !== undefined) {
    const m = /^(\d+):(\d+)$/.exec(v.owner);
    if (!m) throw new UsageError(`--owner '${v.owner}' is not UID:GID`);
    o.owner = { uid: Number(m[1]), gid: Number(m[2]) };
  }
  const progress = new Progress({ quiet: v.quiet, json: v.json });
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
      const files = [v['from-tar'] ?? [], v['from-deb'] ?? [], v['from-rpm'] ?? []].flat();
      // The option stands for SOURCE_DATE_EPOCH here too: the same time for directories no package lists.
      const implicitMtime = o.sourceDateEpoch === undefined ? undefined : { sec: o.sourceDateEpoch, nsec: 0 };
      const laid = await layPackages(files, { store, mergedUsr: v['merged-usr'] === true, implicitMtime, onPackage: (_i, _n, file) => progress.update(`ext4: reading ${file}`, true) });
      tree = laid.root;
    }
    summary = await writeExt4(tree, v.out, o);
  } finally {
    await store.close();
    rmSync(spoolDir, { recursive: true, force: true });
  }
  progress.done();
  if (v.json) {
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
