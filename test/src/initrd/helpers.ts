/** Test helpers for the initrd suite: sample host trees, extraction, tree comparison. */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync, linkSync, utimesSync, lutimesSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectBytes } from '../../../formats/bytes.js';

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `distrokit-${label}-`));
}

/** A small tree exercising every member type and awkward names. */
export function makeSampleTree(root: string): void {
  mkdirSync(join(root, 'dir with space/sub'), { recursive: true });
  mkdirSync(join(root, 'ünïcødé'), { mode: 0o750 });
  writeFileSync(join(root, 'dir with space/file'), 'hello\n');
  writeFileSync(join(root, 'ünïcødé/naïve ☃.txt'), 'snow');
  writeFileSync(join(root, 'new\nline'), 'x'.repeat(1000));
  writeFileSync(join(root, 'empty'), '');
  writeFileSync(join(root, 'big'), Buffer.alloc(300_000, 7));
  writeFileSync(join(root, 'setuid'), '#!/bin/sh\n', { mode: 0o4755 });
  linkSync(join(root, 'dir with space/file'), join(root, 'hardlink'));
  linkSync(join(root, 'dir with space/file'), join(root, 'ünïcødé/hardlink2'));
  symlinkSync('dir with space/file', join(root, 'symlink'));
  symlinkSync('/nonexistent/target', join(root, 'ünïcødé/dangling'));
  execFileSync('mkfifo', [join(root, 'fifo')]);
  execFileSync('mknod', [join(root, 'null'), 'c', '1', '3']);
  execFileSync('mknod', [join(root, 'loop0'), 'b', '7', '0']);
  chownSync(join(root, 'empty'), 1234, 5678);
  // Distinct times so "times preserved" is a real check.
  let t = 1_000_000_000;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (lstatSync(p).isDirectory()) walk(p);
      lutimesSync(p, t, t);
      t += 3600;
    }
  };
  walk(root);
  utimesSync(root, t, t);
}

export interface Snapshot {
  [path: string]: string;
}

/** A comparable description of a host tree: type, mode, owner, mtime, target/content, hard-link group. */
export function snapshot(root: string, options: { times?: boolean; owners?: boolean; symlinkTimes?: boolean } = {}): Snapshot {
  const out: Snapshot = {};
  const inodeGroup = new Map<bigint, string>();
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p, { bigint: true });
      let desc = `mode=${st.mode.toString(8)}`;
      if (options.owners !== false) desc += ` uid=${st.uid} gid=${st.gid}`;
      const timed = options.times !== false && !st.isDirectory() && !(st.isSymbolicLink() && options.symlinkTimes === false);
      if (timed) desc += ` mtime=${st.mtimeMs / 1000n}`;
      if (st.isSymbolicLink()) desc += ` -> ${readlinkSync(p)}`;
      else if (st.isFile()) {
        desc += ` sha=${sha(readFileSync(p))}`;
        if (st.nlink > 1n) {
          if (!inodeGroup.has(st.ino)) inodeGroup.set(st.ino, r);
          desc += ` link=${inodeGroup.get(st.ino)}`;
        }
      } else if (st.isCharacterDevice() || st.isBlockDevice()) desc += ` rdev=${st.rdev}`;
      out[r] = desc;
      if (st.isDirectory()) walk(p, r);
    }
  };
  walk(root, '');
  return out;
}

import { createHash } from 'node:crypto';
export function sha(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function toBuffer(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await collectBytes(stream));
}
