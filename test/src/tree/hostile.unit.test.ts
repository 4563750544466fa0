/**
 * Hostile archives (fixtures/<fmt>/hostile/, written by
 * fixtures/gen/hostile-archives.py): each CODE[-detail].ext must fail with
 * that error code, and each ok-detail.ext must extract to ok-detail.json; in
 * every case, through whole-buffer, 64 KiB and 1-byte chunks, nothing is
 * written outside the target directory.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chunked } from '../../../formats/bytes.js';
import { DistrokitError } from '../../../formats/errors.js';
import { openArchive } from '../../../src/tree/archive.js';
import { MemoryStore } from '../../../src/tree/content-store.js';
import { addEntriesToTree } from '../../../src/tree/from-entries.js';
import { writeTreeToDirectory } from '../../../src/tree/sink-dir.js';
import { Tree } from '../../../src/tree/tree.js';

const sandbox = mkdtempSync(join(tmpdir(), 'distrokit-hostile-'));
afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

const fixtures = ['tar', 'cpio', 'deb'].flatMap((fmt) =>
  readdirSync(join('fixtures', fmt, 'hostile'))
    .filter((f) => !f.endsWith('.json'))
    .sort()
    .map((f) => join('fixtures', fmt, 'hostile', f)),
);

const CHUNKINGS: [string, (b: Uint8Array) => Uint8Array | Iterable<Uint8Array>][] = [
  ['whole buffer', (b) => b],
  ['64 KiB chunks', (b) => chunked(b, 65536)],
  ['1-byte chunks', (b) => chunked(b, 1)],
];

let run = 0;

async function extract(input: Uint8Array | Iterable<Uint8Array>, file: string): Promise<{ tree: Tree; out: string; root: string }> {
  const root = join(sandbox, `run-${run++}`);
  const out = join(root, 'out');
  const tree = new Tree();
  // A 1 MiB payload limit: the bomb fixture expands to 64 MiB.
  const archive = await openArchive(input, { file, maxOutput: 1 << 20, format: file.endsWith('.deb') ? 'deb' : undefined });
  await addEntriesToTree(tree, archive.entries, { store: new MemoryStore(), file, owner: file });
  await writeTreeToDirectory(tree, out);
  return { tree, out, root };
}

/** Every path under dir, never following symlinks (a symlink may legitimately point anywhere; it is not a write there). */
function everythingUnder(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(prefix, d.name);
    return d.isDirectory() ? [path, ...everythingUnder(join(dir, d.name), path)] : [path];
  });
}

describe('hostile archives', () => {
  it('has fixtures for every threat the issue names', () => {
    const names = fixtures.map((f) => f.split('/').pop()!);
    for (const code of ['PATH_TRAVERSAL', 'TREE_NOT_A_DIRECTORY', 'TAR_TRUNCATED', 'DECOMPRESSED_TOO_LARGE', 'TAR_BAD_CHECKSUM', 'TREE_HARDLINK_TARGET_MISSING', 'ok-absolute-paths'])
      expect(names.some((n) => n.startsWith(code)), code).toBe(true);
  });

  for (const file of fixtures) {
    const name = file.split('/').pop()!;
    const expectedCode = name.startsWith('ok-') ? undefined : name.split(/[-.]/)[0]!;
    for (const [label, chunk] of CHUNKINGS) {
      it(`${file} (${label}) → ${expectedCode ?? 'safe outcome'}`, async () => {
        const bytes = new Uint8Array(readFileSync(file));
        const before = run;
        const result = await extract(chunk(bytes), file).catch((err: unknown) => err);
        const root = join(sandbox, `run-${before}`);
        // Nothing outside the target directory, whatever happened.
        for (const path of everythingUnder(root)) expect(relative(root, join(root, path)).startsWith('out'), path).toBe(true);
        expect(existsSync('/tmp/distrokit-escaped')).toBe(false);
        if (expectedCode) {
          expect(result, `${file} should fail`).toBeInstanceOf(DistrokitError);
          expect((result as DistrokitError).code).toBe(expectedCode);
          expect((result as DistrokitError).data.file).toBe(file);
          // The tree is built completely before the sink writes: a failing archive writes nothing at all.
          expect(everythingUnder(root)).toEqual([]);
        } else {
          if (result instanceof Error) throw result;
          const { tree, out } = result as { tree: Tree; out: string };
          const expected = JSON.parse(readFileSync(file.replace(/\.[a-z]+$/, '.json'), 'utf8'));
          expect(Object.fromEntries([...tree.walk()].map(({ path, node }) => [path, node.type]))).toEqual(expected);
          for (const path of Object.keys(expected)) expect(existsSync(join(out, path)), path).toBe(true);
        }
      });
    }
  }
});
