/**
 * addPackagesToTree (decoding on worker threads, largest package first) must
 * give exactly the tree of addPackageToTree in a loop over the same real .debs
 * in the given order: same paths, types, modes, owners, times, package owner
 * of every node, and contents.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DistrokitError } from '../../../formats/errors.js';
import { MemoryStore } from '../../../src/tree/content-store.js';
import { addPackageToTree } from '../../../src/tree/packages.js';
import { addPackagesToTree } from '../../../src/tree/packages-parallel.js';
import { contentChunks } from '../../../src/tree/sink-dir.js';
import { Tree } from '../../../src/tree/tree.js';
import { debsCache } from '../../helpers/cache.js';

const spoolDir = mkdtempSync(join(tmpdir(), 'distrokit-parallel-'));
afterAll(() => rmSync(spoolDir, { recursive: true, force: true }));

/** Small packages first, big ones (libc6, perl-base) later: the workers take them in another order. */
const NAMES = ['base-files', 'debianutils', 'grep', 'libc6', 'bash', 'perl-base', 'tar', 'gzip'];
const debs = NAMES.map((name) => join(debsCache.pool, readdirSync(debsCache.pool).find((f) => f.startsWith(`${name}_`))!));

async function listing(tree: Tree): Promise<string[]> {
  const lines: string[] = [];
  for (const { path, node } of tree.walk()) {
    let what = `${path} ${node.type} ${node.perm.toString(8)} ${node.uid}:${node.gid} ${node.mtime.sec} ${node.owner}`;
    if (node.type === 'symlink') what += ` -> ${node.target}`;
    if (node.type === 'file') {
      const hash = createHash('sha256');
      for await (const chunk of contentChunks(node.content)) hash.update(chunk);
      what += ` ${node.size} ${hash.digest('hex')}`;
    }
    lines.push(what);
  }
  return lines;
}

describe('addPackagesToTree', () => {
  it('equals addPackageToTree in a loop, whatever order the workers decode in', async () => {
    const sizes = debs.map((d) => statSync(d).size);
    expect([...sizes].sort((a, b) => b - a)).not.toEqual(sizes);
    const sequential = new Tree();
    const store = new MemoryStore();
    for (const deb of debs) await addPackageToTree(sequential, deb, { store });
    const parallel = new Tree();
    const added = await addPackagesToTree(parallel, debs, { spoolDir, jobs: 2 });
    expect(added.map((a) => a.file)).toEqual(debs);
    const expected = await listing(sequential);
    expect(expected.length).toBeGreaterThan(1000);
    expect(await listing(parallel)).toEqual(expected);
  });

  it('reports the first failing package in the given order, with its file', async () => {
    const missing = join(spoolDir, 'no-such.deb');
    const err = await addPackagesToTree(new Tree(), [debs[0]!, missing, debs[3]!], { spoolDir, jobs: 2 }).catch((e: unknown) => e);
    expect((err as { data?: { file?: string } }).data?.file).toBe(missing);
  });

  it('brings a worker\'s error back as the same DistrokitError a loop on this thread gives (a missing file, a directory)', async () => {
    for (const bad of [join(spoolDir, 'no-such.deb'), spoolDir]) {
      const sequential = await addPackageToTree(new Tree(), bad, { store: new MemoryStore() }).catch((e: unknown) => e);
      const parallel = await addPackagesToTree(new Tree(), [debs[0]!, bad], { spoolDir, jobs: 2 }).catch((e: unknown) => e);
      expect(sequential).toBeInstanceOf(DistrokitError);
      expect(parallel).toBeInstanceOf(DistrokitError);
      expect((parallel as DistrokitError).code).toBe('ARCHIVE_UNREADABLE');
      expect((parallel as DistrokitError).toJSON()).toEqual((sequential as DistrokitError).toJSON());
    }
  });
});
