/**
 * Chooses the filesystem size: the exact minimum for the tree plus headroom
 * (`auto`), the exact minimum (`min`), a fixed size that must fit (checked before
 * anything is written), or nixpkgs' heuristics with an explicit inode count.
 */
import { DistrokitError } from '../../formats/errors.js';
import { BLOCKS_PER_GROUP, BLOCK_SIZE, JOURNAL_INO } from '../../formats/ext4/constants.js';
import { allocate, allocationEnd, isBackupGroup, makeGeometry, type Allocation, type Geometry, type InodeNeeds } from './layout.js';
import { defaultHeadroom, defaultJournalBlocks, type Ext4Options } from './options.js';
import type { PreparedInode } from './prepare.js';

export interface SizedLayout {
  geometry: Geometry;
  allocation: Allocation;
  journalBlocks: number;
}

/** Grows `blocks` so that a last group holding a superblock backup has room for it plus one block. */
function fixLastGroup(blocks: number, descSize: number): number {
  const last = blocks % BLOCKS_PER_GROUP;
  if (last === 0) return blocks;
  const grp = Math.floor(blocks / BLOCKS_PER_GROUP);
  const gdt = Math.ceil(((grp + 1) * descSize) / BLOCK_SIZE);
  const min = isBackupGroup(grp) ? 2 + gdt : 1;
  return last < min ? blocks + (min - last) : blocks;
}

function needsOf(prepared: PreparedInode[]): InodeNeeds[] {
  return prepared
    .filter((p) => p.runs.length > 0 || p.blockXattrs.length > 0)
    .map((p) => ({ ino: p.ino, runs: p.runs, xattrBlock: p.blockXattrs.length > 0 }));
}

function journalNeeds(journal: boolean, blocks: number): InodeNeeds | null {
  return journal ? { ino: JOURNAL_INO, runs: [{ logical: 0, count: defaultJournalBlocks(blocks) }], xattrBlock: false } : null;
}

function tryLayout(blocks: number, inodes: number, descSize: number, journal: boolean, needs: InodeNeeds[]): SizedLayout {
  const geometry = makeGeometry(blocks, inodes, descSize);
  const journalBlocks = journal ? defaultJournalBlocks(blocks) : 0;
  return { geometry, allocation: allocate(geometry, journalNeeds(journal, blocks), needs), journalBlocks };
}

/** tryLayout(…).allocation.end, computed without building the allocation (sizing rounds). */
function layoutEnd(blocks: number, inodes: number, descSize: number, journal: boolean, needs: InodeNeeds[]): number {
  return allocationEnd(makeGeometry(blocks, inodes, descSize), journalNeeds(journal, blocks), needs);
}

/** Free inodes to add to the used ones, and free blocks to add to a minimum of `minBlocks`. */
interface Headroom {
  inodes: number;
  blocks: (minBlocks: number) => number;
}

function badOption(message: string): DistrokitError {
  return new DistrokitError('EXT4_BAD_OPTION', message);
}

function checkOptions(o: Ext4Options): void {
  const size = o.size ?? 'auto';
  if (size !== 'auto' && size !== 'min' && typeof size !== 'number') throw badOption(`size '${String(size)}' is not 'auto', 'min' or a byte count`);
  for (const key of ['extraBlocks', 'extraInodes', 'inodes'] as const) {
    const v = o[key];
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) throw badOption(`${key} ${v} is not a non-negative integer`);
  }
  if (o.extraPercent !== undefined && !(Number.isFinite(o.extraPercent) && o.extraPercent >= 0)) throw badOption(`extraPercent ${o.extraPercent} is not a non-negative number`);
  if (o.sizeHeuristic !== undefined && size !== 'auto') throw badOption(`size ${size} and sizeHeuristic ${o.sizeHeuristic} exclude each other`);
}

/**
 * The headroom: none for 'min'; for 'auto' the default headroom unless any extra*
 * option is given, which then replaces it entirely; elsewhere (a fixed size, a
 * heuristic) only what the extra* options say.
 */
function headroomOf(o: Ext4Options, usedInodes: number): Headroom {
  const explicit = o.extraBlocks !== undefined || o.extraInodes !== undefined || o.extraPercent !== undefined;
  if (o.size === 'min') {
    if (explicit) throw badOption("size 'min' is the exact minimum: extraBlocks, extraInodes and extraPercent need size 'auto'");
    return { inodes: 0, blocks: () => 0 };
  }
  if ((o.size ?? 'auto') === 'auto' && o.sizeHeuristic === undefined && !explicit) {
    return { inodes: defaultHeadroom(0, usedInodes).inodes, blocks: (minBlocks) => defaultHeadroom(minBlocks, usedInodes).blocks };
  }
  const pct = o.extraPercent ?? 0;
  return {
    inodes: (o.extraInodes ?? 0) + Math.ceil((usedInodes * pct) / 100),
    blocks: (minBlocks) => (o.extraBlocks ?? 0) + Math.ceil((minBlocks * pct) / 100),
  };
}

export function chooseLayout(prepared: PreparedInode[], maxIno: number, entries: number, apparentBlocks: number, o: Ext4Options): SizedLayout {
  checkOptions(o);
  const descSize = o.bit64 === false ? 32 : 64;
  const journal = o.journal !== false;
  const needs = needsOf(prepared);
  const headroom = headroomOf(o, maxIno);
  let inodes = Math.max(maxIno + headroom.inodes, o.inodes ?? 0);
  let size: 'auto' | 'min' | number = o.size ?? 'auto';
  let heuristicBlocks = 0;
  if (o.sizeHeuristic === 'nixpkgs') {
    // make-ext4-fs.nix: bytes = 2*4096*inodes + 4096*ceil(apparent blocks * 1.03), with inodes = entries.
    inodes = Math.max(inodes, entries + 11);
    size = 2 * 4096 * entries + 4096 * Math.ceil(apparentBlocks * 1.03);
  } else if (o.sizeHeuristic === 'nixpkgs-current') {
    // current nixpkgs: resize2fs -M (the minimum), then 16 MiB more.
    heuristicBlocks = (16 << 20) / BLOCK_SIZE;
  }
  if (typeof size === 'number') {
    if (!Number.isSafeInteger(size) || size <= 0) throw new DistrokitError('EXT4_BAD_OPTION', `size ${size} is not a positive byte count`);
    const blocks = Math.floor(size / BLOCK_SIZE);
    if (o.inodes === undefined && o.sizeHeuristic !== 'nixpkgs') inodes = Math.max(inodes, Math.floor(size / 16384));
    let layout: SizedLayout;
    try {
      layout = tryLayout(blocks, inodes, descSize, journal, needs);
    } catch (err) {
      throw DistrokitError.wrap(err, 'EXT4_TOO_SMALL', {});
    }
    const lastGroupOk = fixLastGroup(blocks, descSize) === blocks;
    if (layout.allocation.end > blocks || !lastGroupOk) {
      const need = fixLastGroup(Math.max(layout.allocation.end, blocks), descSize);
      throw new DistrokitError(
        'EXT4_TOO_SMALL',
        `the tree needs at least ${need * BLOCK_SIZE} bytes, ${(need - blocks) * BLOCK_SIZE} more than the ${blocks * BLOCK_SIZE} given`,
        { need: need * BLOCK_SIZE, given: blocks * BLOCK_SIZE },
      );
    }
    return layout;
  }
  // auto and min: grow until the allocation fits (more blocks mean more groups, hence more metadata).
  let blocks = fixLastGroup(Math.max(64, needs.reduce((n, x) => n + x.runs.reduce((m, r) => m + r.count, 0), 0)), descSize);
  // The rounds only need where the allocation ends; the chosen size is allocated once, at the end.
  for (let round = 0; round < 64; round++) {
    const minGroups = Math.ceil(inodes / (BLOCK_SIZE * 8));
    blocks = fixLastGroup(Math.max(blocks, (minGroups - 1) * BLOCKS_PER_GROUP + 1), descSize);
    const end = layoutEnd(blocks, inodes, descSize, journal, needs);
    const want = fixLastGroup(end + heuristicBlocks + headroom.blocks(end), descSize);
    if (want <= blocks) {
      const chosen = want === blocks ? blocks : exactOr(want, blocks, inodes, descSize, journal, needs);
      const layout = tryLayout(chosen, inodes, descSize, journal, needs);
      // allocationEnd must have predicted this allocation; never write past the end if it did not.
      if (layout.allocation.end > chosen) throw new DistrokitError('EXT4_INTERNAL', `allocation ends at ${layout.allocation.end}, beyond ${chosen} blocks`);
      return layout;
    }
    blocks = want;
  }
  throw new DistrokitError('EXT4_INTERNAL', 'sizing did not converge');
}

/** Shrinking to `want` may change the group count; keep the larger size `fallback` if the smaller one no longer fits. */
function exactOr(want: number, fallback: number, inodes: number, descSize: number, journal: boolean, needs: InodeNeeds[]): number {
  let end: number;
  try {
    end = layoutEnd(want, inodes, descSize, journal, needs);
  } catch {
    return fallback; // fewer groups could not hold the inodes
  }
  return end <= want ? want : fallback;
}
