/**
 * `distrokit store-image` as a user runs it: the JSON summary, and every kind
 * of bad input as a coded error naming the path, exit 1, with no image and no
 * temporary file left in the output directory. The store is a hand-made
 * directory under --root with exportReferencesGraph files written here (the
 * Nix-built closures are in test/src/store/image.test.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { distrokit } from '../../helpers/cli.js';
import { expectE2fsckClean, tempDir } from '../image/oracle.js';

const BIN = fileURLToPath(new URL('../../../bin/distrokit', import.meta.url));
let work: { dir: string; cleanup: () => void };
let root: string;
const A = '/nix/store/0123456789abcdfghijklmnpqrsvwxyz-a';
const B = '/nix/store/1123456789abcdfghijklmnpqrsvwxyz-b';
const MISSING = '/nix/store/2123456789abcdfghijklmnpqrsvwxyz-missing';

function graphFile(name: string, blocks: [string, string[]][]): string {
  const file = join(work.dir, name);
  writeFileSync(file, blocks.map(([p, refs]) => [p, '', String(refs.length), ...refs].join('\n') + '\n').join(''));
  return file;
}

/** A fresh empty output directory (so leftovers are easy to see). */
function outDir(name: string): string {
  const d = join(work.dir, name);
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d);
  return d;
}

beforeAll(() => {
  work = tempDir('cli-store-image');
  root = join(work.dir, 'root');
  mkdirSync(join(root, A, 'bin'), { recursive: true });
  writeFileSync(join(root, A, 'bin/hello'), '#!/bin/sh\necho hello\n', { mode: 0o555 });
  writeFileSync(join(root, A, 'ref'), `${B}\n`);
  writeFileSync(join(root, B), 'leaf\n');
});

afterAll(() => work?.cleanup());

describe('distrokit store-image', () => {
  it('writes the image and prints a JSON summary with its sha256', () => {
    const graph = graphFile('closure-a', [[A, [B]], [B, []]]);
    const dir = outDir('ok');
    const out = join(dir, 'a.img');
    const r = distrokit(['store-image', '--out', out, '--references-graph', graph, '--root', root, '--gid', '30000', '--label', 'nixos', '--json', A]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ out, paths: 2, entries: 5, registration: 'load-db', narHashesComputed: 2, sizeHeuristic: 'exact' });
    expect(s.ext4.uuid).toBe('44444444-4444-4444-8888-888888888888');
    expect(s.ext4.freeBlocks).toBeGreaterThanOrEqual(4096);
    expect(s.imageSha256).toBe(createHash('sha256').update(readFileSync(out)).digest('hex'));
    expectE2fsckClean(out);
    const stat = execFileSync('debugfs', ['-R', `stat ${A}/bin/hello`, out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(stat).toMatch(/Mode:\s+0555/);
    expect(stat).toMatch(/User:\s+0\s+Group:\s+30000/);
    expect(readdirSync(dir)).toEqual(['a.img']);
  });

  it("--registration print-registration writes the seed's format (zero hashes, empty deriver)", () => {
    const graph = graphFile('closure-print', [[A, [B]], [B, []]]);
    const out = join(outDir('print'), 'p.img');
    const r = distrokit(['store-image', '--out', out, '--references-graph', graph, '--root', root, '--registration', 'print-registration', A]);
    expect(r.status).toBe(0);
    const text = execFileSync('debugfs', ['-R', 'cat /nix-path-registration', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(text).toBe([A, '0'.repeat(64), '0', '', '1', B, B, '0'.repeat(64), '0', '', '0', ''].join('\n'));
    expectE2fsckClean(out);
  });

  it('--help shows the usage and examples', () => {
    const r = distrokit(['store-image', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--references-graph');
    expect(r.stdout).toContain('distrokit store-image --out');
  });

  const cases: { name: string; args: () => string[]; code: string; names: string; setup?: () => void; teardown?: () => void }[] = [
    {
      name: 'a graph referencing a path it does not describe',
      args: () => ['--references-graph', graphFile('closure-undescribed', [[A, [B, MISSING]], [B, []]]), A],
      code: 'STORE_PATH_UNDESCRIBED',
      names: MISSING,
    },
    {
      name: 'a cycle through a missing path',
      args: () => ['--references-graph', graphFile('closure-cycle', [[A, [B]], [B, [A, MISSING]]]), A],
      code: 'STORE_PATH_UNDESCRIBED',
      names: MISSING,
    },
    {
      name: 'a store path not under --store-dir',
      args: () => ['--store-dir', '/gnu/store', '--references-graph', graphFile('closure-outside', [[A, [B]], [B, []]]), A],
      code: 'STORE_PATH_OUTSIDE_STORE',
      names: A,
    },
    {
      name: 'a store path missing under --root (vanished)',
      args: () => ['--references-graph', graphFile('closure-vanished', [[A, [MISSING]], [MISSING, []]]), A],
      code: 'STORE_IMAGE_SOURCE_MISSING',
      names: MISSING,
    },
    {
      name: 'a FIFO inside a store path (no NAR can hold it)',
      setup: () => execFileSync('mkfifo', [join(root, A, 'fifo')]),
      teardown: () => rmSync(join(root, A, 'fifo')),
      args: () => ['--references-graph', graphFile('closure-fifo', [[A, [B]], [B, []]]), A],
      code: 'STORE_NAR_UNSUPPORTED_TYPE',
      names: `${A}/fifo`,
    },
    {
      name: 'extra files at a store path',
      setup: () => {
        mkdirSync(join(work.dir, 'files/nix/store'), { recursive: true });
        writeFileSync(join(work.dir, 'files', B), 'not the store path\n');
      },
      teardown: () => rmSync(join(work.dir, 'files'), { recursive: true }),
      args: () => ['--files', join(work.dir, 'files'), '--references-graph', graphFile('closure-files', [[A, [B]], [B, []]]), A],
      code: 'STORE_IMAGE_FILES_CONFLICT',
      names: B,
    },
    {
      name: 'a closure the seed formula cannot hold',
      setup: () => writeFileSync(join(root, MISSING), Buffer.alloc(12 << 20, 0x5a)),
      teardown: () => rmSync(join(root, MISSING)),
      args: () => ['--size-heuristic', 'nixpkgs', '--references-graph', graphFile('closure-small', [[MISSING, []]]), MISSING],
      code: 'EXT4_TOO_SMALL',
      names: 'bad.img',
    },
  ];

  it('a file the user cannot read (mode 000, run as nobody): STORE_NAR_UNREADABLE naming it, exit 1, no image or temporary file', () => {
    // As root every file is readable, so the command runs as nobody here, as a user building an image would.
    const secret = join(root, A, 'secret');
    writeFileSync(secret, 'not for nobody\n', { mode: 0o000 });
    const graph = graphFile('closure-unreadable', [[A, [B]], [B, []]]);
    const dir = outDir('unreadable');
    chmodSync(work.dir, 0o755);
    chmodSync(dir, 0o777);
    try {
      const r = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', BIN, 'store-image', '--out', join(dir, 'bad.img'), '--root', root, '--references-graph', graph, '--json', A], {
        encoding: 'utf8',
        env: { ...process.env, HOME: dir },
      });
      expect(r.status).toBe(1);
      const err = JSON.parse(r.stdout).error;
      expect(err.message).toContain(`${A}/secret`);
      expect(r.stderr).toContain(err.code);
      expect(err.code).toMatch(/UNREADABLE/);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(secret);
    }
  });

  for (const c of cases) {
    it(`${c.name}: ${c.code} naming the path, exit 1, no image or temporary file`, () => {
      c.setup?.();
      try {
        const dir = outDir('bad');
        const r = distrokit(['store-image', '--out', join(dir, 'bad.img'), '--root', root, '--json', ...c.args()]);
        expect(r.status).toBe(1);
        const err = JSON.parse(r.stdout).error;
        expect(err.code).toBe(c.code);
        expect(err.message).toContain(c.names);
        expect(r.stderr).toContain(c.code);
        expect(readdirSync(dir)).toEqual([]);
      } finally {
        c.teardown?.();
      }
    });
  }
});
