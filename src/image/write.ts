/**
 * writeExt4: scan → prepare → size and allocate → encode → write. The image is
 * written to a temporary file next to the target and renamed into place only
 * when complete, so a failure never leaves a half-written image behind.
 */
import { createHash } from 'node:crypto';
import { DistrokitError } from '../../formats/errors.js';
import {
  BLOCKS_PER_GROUP,
  BLOCK_SIZE,
  COMPAT_DIR_INDEX,
  COMPAT_EXT_ATTR,
  COMPAT_HAS_JOURNAL,
  FLAG_SIGNED_HASH,
  FLAG_UNSIGNED_HASH,
  INCOMPAT_64BIT,
  INCOMPAT_EXTENTS,
  INCOMPAT_FILETYPE,
  INCOMPAT_FLEX_BG,
  INODE_SIZE,
  JOURNAL_INO,
  RO_COMPAT_DIR_NLINK,
  RO_COMPAT_EXTRA_ISIZE,
  RO_COMPAT_HUGE_FILE,
  RO_COMPAT_LARGE_FILE,
  RO_COMPAT_METADATA_CSUM,
  RO_COMPAT_SPARSE_SUPER,
} from '../../formats/ext4/constants.js';
import { encodeJournalSuperblock, checksumSeed, type SuperblockFields } from '../../formats/ext4/superblock.js';
import { checkSourceDateEpoch, sourceDateEpoch } from '../tree/epoch.js';
import { writeOutputFile } from '../tree/output-file.js';
import type { DirNode } from '../tree/types.js';
import { BlockWriter } from './block-writer.js';
import { HostFilePool, hostFileWork, hostThreads, isDenseHostFile, planHostCopies } from './host-pool.js';
import { ReadContext, streamFileBlocks } from './content.js';
import { blockBitmap, encodeInodeInto, groupStats, inodeBitmap, journalBackup, superblockAndGdt } from './encode.js';
import { isBackupGroup } from './layout.js';
import type { Extent } from '../../formats/ext4/extents.js';
import { derivedUuid, encodeLabel, formatUuid, parseUuid, type Ext4Options } from './options.js';
import { prepareAll, type PreparedInode } from './prepare.js';
import { scanTree } from './scan.js';
import { chooseLayout } from './sizing.js';

export interface Ext4Summary {
  bytes: number;
  blocks: number;
  freeBlocks: number;
  inodes: number;
  freeInodes: number;
  groups: number;
  uuid: string;
  hashSeed: string;
  journalBlocks: number;
}

/** Builds an ext4 image of `tree` at `out`. */
export async function writeExt4(tree: DirNode, out: string, options: Ext4Options = {}): Promise<Ext4Summary> {
  const o = options;
  const progress = o.onProgress ?? (() => {});
  const sde = o.sourceDateEpoch !== undefined ? checkSourceDateEpoch(o.sourceDateEpoch, 'sourceDateEpoch') : sourceDateEpoch();
  const fsTime = sde ?? 0;
  const scan = scanTree(tree);
  // Large trees: host files are scanned for zero blocks and copied on worker threads, started now so they load meanwhile.
  const hostWork = hostFileWork(scan);
  const pool = new HostFilePool(hostThreads(hostWork.files, hostWork.bytes, o.threads));
  try {
    const scannedRuns = pool.scan(hostWork.scans);
    const uuid = o.uuid ? parseUuid(o.uuid, 'uuid') : derivedUuid(`distrokit-ext4:${o.label ?? ''}:${describeTree(scan.inodes, sde)}`);
    const hashSeedBytes = o.hashSeed ? parseUuid(o.hashSeed, 'hash seed') : derivedUuid(`distrokit-ext4-hash-seed:${formatUuid(uuid)}`);
    const label = encodeLabel(o.label);
    const csum = o.metadataCsum !== false;
    const csumSeed = csum ? checksumSeed(uuid) : null;
    const seedView = new DataView(hashSeedBytes.buffer, hashSeedBytes.byteOffset, 16);
    const hashSeed = new Uint32Array(4).map((_, i) => seedView.getUint32(i * 4, true));
    const reads = new ReadContext();
    const prepared = await prepareAll(
      scan,
      {
        csumSeed,
        dirIndex: true,
        hashSeed,
        unsignedHash: o.unsignedHash === true,
        fsTime,
        clamp: sde ?? null,
        owner: o.owner,
        xattrs: o.xattrs !== false,
        reads,
        scannedRuns,
      },
      (d, t) => progress('scan', d, t),
    );
    const entries = countEntries(scan.inodes);
    // `du --apparent-size` of the source in 4 KiB blocks, as nixpkgs measures it: file sizes plus one block per directory.
    const apparentBlocks = prepared.reduce((n, p) => n + (p.isDir ? (scan.inodes[p.ino]!.node ? 1 : 0) : p.content ? Math.ceil(p.size / BLOCK_SIZE) : 0), 0);
    const { geometry: g, allocation: a, journalBlocks } = chooseLayout(prepared, scan.maxIno, entries, apparentBlocks, o);
    const all: PreparedInode[] = [...prepared];
    if (journalBlocks) all.push(journalInode(journalBlocks, fsTime));
    all.sort((x, y) => x.ino - y.ino);

    // Dense host files are copied by the workers while this thread encodes and writes the metadata.
    const copies = planHostCopies(all, a);
    return await writeOutputFile(out, 'EXT4_OUTPUT', async (fh) => {
      await fh.truncate(g.blocks * BLOCK_SIZE);
      const copying = pool.copy(fh.fd, copies.planner.split(Math.max(1, pool.size)), copies.entries, out);
      copying.catch(() => {}); // awaited below; this thread's own errors may come first
      // Inode tables: only the used prefix of each group's table is materialised; the rest stays a hole.
      const ipg = g.inodesPerGroup;
      const tables: Uint8Array[] = [];
      const extra: [number, Uint8Array][] = [];
      for (let grp = 0; grp < g.groups; grp++) {
        const used = Math.max(0, Math.min(ipg, scan.maxIno - grp * ipg));
        tables.push(new Uint8Array(used * INODE_SIZE));
      }
      let journalBackupWords: Uint32Array | null = null;
      for (const p of all) {
        const grp = Math.floor((p.ino - 1) / ipg);
        const off = ((p.ino - 1) % ipg) * INODE_SIZE;
        const enc = encodeInodeInto(tables[grp]!, off, p, a, csumSeed, fsTime);
        extra.push(...enc.treeBlocks);
        if (enc.xattrBlock) extra.push(enc.xattrBlock);
        if (p.ino === JOURNAL_INO) journalBackupWords = journalBackup(tables[grp]!, off);
      }

      const bits = blockBitmap(g, a);
      const dirInodes = all.filter((p) => p.isDir).map((p) => p.ino);
      const stats = groupStats(g, bits, scan.maxIno, dirInodes);
      const sbf: SuperblockFields = {
        inodesCount: ipg * g.groups,
        blocksCount: g.blocks,
        freeBlocks: stats.totalFreeBlocks,
        freeInodes: stats.totalFreeInodes,
        blocksPerGroup: BLOCKS_PER_GROUP,
        inodesPerGroup: ipg,
        time: fsTime,
        featureCompat: COMPAT_EXT_ATTR | COMPAT_DIR_INDEX | (journalBlocks ? COMPAT_HAS_JOURNAL : 0),
        featureIncompat: INCOMPAT_FILETYPE | INCOMPAT_EXTENTS | INCOMPAT_FLEX_BG | (g.descSize === 64 ? INCOMPAT_64BIT : 0),
        featureRoCompat:
          RO_COMPAT_SPARSE_SUPER |
          RO_COMPAT_LARGE_FILE |
          RO_COMPAT_HUGE_FILE |
          RO_COMPAT_DIR_NLINK |
          RO_COMPAT_EXTRA_ISIZE |
          (csum ? RO_COMPAT_METADATA_CSUM : 0),
        uuid,
        label,
        hashSeed: hashSeedBytes,
        flags: o.unsignedHash ? FLAG_UNSIGNED_HASH : FLAG_SIGNED_HASH,
        descSize: g.descSize === 64 ? 64 : 0,
        logGroupsPerFlex: Math.max(4, Math.ceil(Math.log2(g.groups))),
        journalInum: journalBlocks ? JOURNAL_INO : 0,
        journalBlocks: journalBackupWords,
        metadataCsum: csum,
      };

      // Everything with a known position, in block order; file data is streamed in between.
      type Job = { block: number; write: (w: BlockWriter) => Promise<void> };
      const jobs: Job[] = [];
      const mem = (block: number, bytes: Uint8Array): void => {
        jobs.push({ block, write: (w) => w.put(block, bytes) });
      };
      for (let grp = 0; grp < g.groups; grp++) {
        if (!isBackupGroup(grp)) continue;
        const block = grp * BLOCKS_PER_GROUP;
        jobs.push({ block, write: (w) => w.put(block, superblockAndGdt(g, a, stats, sbf, bits, scan.maxIno, csumSeed, grp)) });
      }
      for (let grp = 0; grp < g.groups; grp++) {
        mem(a.blockBitmaps[grp]!, bits.subarray(grp * (BLOCKS_PER_GROUP / 8), (grp + 1) * (BLOCKS_PER_GROUP / 8)));
        mem(a.inodeBitmaps[grp]!, inodeBitmap(g, grp, scan.maxIno));
        if (tables[grp]!.byteLength) mem(a.inodeTables[grp]!, padToBlock(tables[grp]!));
      }
      if (journalBlocks) mem(a.inodes.get(JOURNAL_INO)!.extents[0]!.physical, encodeJournalSuperblock(journalBlocks, uuid));
      for (const [block, bytes] of extra) mem(block, bytes);
      let filesDone = 0;
      const files = all.filter((p) => p.content && p.runs.length);
      for (const p of all) {
        const alloc = a.inodes.get(p.ino);
        if (!alloc || p.ino === JOURNAL_INO) continue;
        if (p.blocks) {
          p.blocks.forEach((b, i) => mem(physicalOf(alloc.extents, i), b));
        } else if (p.content && alloc.extents.length && !isDenseHostFile(p)) {
          jobs.push({
            block: alloc.extents[0]!.physical,
            write: async (w) => {
              await streamFileBlocks(p.content!, p.size, p.runs, p.path, async (lb, bytes) => {
                // A piece may cross extents (a backup superblock in the middle): split it.
                for (let at = 0; at < bytes.byteLength; ) {
                  const l = lb + at / BLOCK_SIZE;
                  const e = extentAt(alloc.extents, l);
                  const n = Math.min(bytes.byteLength - at, (e.logical + e.length - l) * BLOCK_SIZE);
                  await w.put(e.physical + (l - e.logical), bytes.subarray(at, at + n));
                  at += n;
                }
              }, reads);
              if (++filesDone % 1024 === 0) progress('write', filesDone, files.length);
            },
          });
        }
      }
      jobs.sort((x, y) => x.block - y.block);

      const w = new BlockWriter(fh.fd);
      for (const job of jobs) await job.write(w);
      await w.flush();
      await copying;
      await pool.close();
      progress('done', files.length, files.length);
      return {
        bytes: g.blocks * BLOCK_SIZE,
        blocks: g.blocks,
        freeBlocks: stats.totalFreeBlocks,
        inodes: ipg * g.groups,
        freeInodes: stats.totalFreeInodes,
        groups: g.groups,
        uuid: formatUuid(uuid),
        hashSeed: formatUuid(hashSeedBytes),
        journalBlocks,
      };
    });
  } finally {
    await pool.close();
  }
}

/** The extent holding logical block `logical` (binary search: a file may have 100,000s of extents). */
function extentAt(extents: Extent[], logical: number): Extent {
  let lo = 0;
  let hi = extents.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (extents[mid]!.logical <= logical) lo = mid;
    else hi = mid - 1;
  }
  const e = extents[lo]!;
  if (logical < e.logical || logical >= e.logical + e.length) throw new DistrokitError('EXT4_INTERNAL', `logical block ${logical} is not mapped`);
  return e;
}

function physicalOf(extents: Extent[], logical: number): number {
  const e = extentAt(extents, logical);
  return e.physical + (logical - e.logical);
}

function padToBlock(b: Uint8Array): Uint8Array {
  if (b.byteLength % BLOCK_SIZE === 0) return b;
  const out = new Uint8Array(Math.ceil(b.byteLength / BLOCK_SIZE) * BLOCK_SIZE);
  out.set(b);
  return out;
}

function journalInode(blocks: number, fsTime: number): PreparedInode {
  const t = { sec: fsTime, nsec: 0 };
  return {
    ino: JOURNAL_INO,
    path: '<journal>',
    mode: 0o100600,
    uid: 0,
    gid: 0,
    size: blocks * BLOCK_SIZE,
    links: 1,
    atime: t,
    ctime: t,
    mtime: t,
    isDir: false,
    runs: [{ logical: 0, count: blocks }],
    usesExtents: true,
    inlineXattrs: null,
    blockXattrs: [],
  };
}

function countEntries(inodes: ReturnType<typeof scanTree>['inodes']): number {
  let n = 0;
  for (const rec of inodes) if (rec?.entries) n += rec.entries.length;
  return n + 1;
}

/** A digest of the tree's shape and metadata (not contents), for the default UUID. */
function describeTree(inodes: ReturnType<typeof scanTree>['inodes'], sde: number | undefined): string {
  const h = createHash('sha256');
  // Hashed in pieces of ~64 KiB of text, not one update per inode: the digest is the same, the calls far fewer.
  let text = '';
  for (const rec of inodes) {
    if (!rec) continue;
    const n = rec.node;
    const mt = n ? (sde !== undefined ? Math.min(n.mtime.sec, sde) : n.mtime.sec) : 0;
    text += `${rec.ino}\0${rec.path}\0${rec.type}\0${n?.perm ?? 0}\0${n && 'size' in n ? n.size : 0}\0${mt}\n`;
    if (text.length >= 1 << 16) {
      h.update(text);
      text = '';
    }
  }
  h.update(text);
  return h.digest('hex');
}
