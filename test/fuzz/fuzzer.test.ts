/** The fuzzer itself: its cases are reproducible from (seed, iteration), and its oracle rejects each kind of misbehaviour. */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareCase } from '../../scripts/fuzz/engine.js';
import { Rng } from '../../scripts/fuzz/prng.js';
import { runCase } from '../../scripts/fuzz/run-case.js';
import { loadKinds } from '../../scripts/fuzz/targets.js';

const root = mkdtempSync(join(tmpdir(), 'distrokit-fuzzer-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function caseDir(name: string): string {
  const dir = join(root, name);
  for (const d of ['in', 'out', 'tmp', 'canary']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'canary', 'canary'), 'x');
  return dir;
}

function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) visit(r);
      else if (e.isFile()) out[r] = readFileSync(join(dir, r)).toString('base64');
    }
  };
  visit('');
  return out;
}

describe('fuzzer', () => {
  it('draws the same numbers for the same (seed, stream) and different ones for the next stream', () => {
    const a = Array.from({ length: 5 }, ((r) => () => r.next())(new Rng(7, 3)));
    const b = Array.from({ length: 5 }, ((r) => () => r.next())(new Rng(7, 3)));
    const c = Array.from({ length: 5 }, ((r) => () => r.next())(new Rng(7, 4)));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('prepares byte-identical inputs and the same command for the same seed and iteration, for every kind', () => {
    const kinds = loadKinds().filter((k) => k.shape !== 'tree');
    for (let i = 0; i < kinds.length * 2; i++) {
      const a = caseDir(`det-a-${i}`);
      const b = caseDir(`det-b-${i}`);
      const ca = prepareCase(kinds, 99, i, a);
      const cb = prepareCase(kinds, 99, i, b);
      expect(cb.argv).toEqual(ca.argv);
      expect(cb.mutation).toEqual(ca.mutation);
      expect(filesUnder(join(b, 'in'))).toEqual(filesUnder(join(a, 'in')));
    }
  });

  describe('oracle', () => {
    /** A stand-in for bin/distrokit: a shell script doing one bad thing. */
    function standIn(name: string, body: string): string {
      const p = join(root, `${name}.sh`);
      writeFileSync(p, `#!/bin/sh\n${body}\n`);
      chmodSync(p, 0o755);
      return p;
    }
    const run = (name: string, body: string, output?: string) =>
      runCase({ dir: caseDir(name), argv: ['x'], output, timeoutMs: 3000, rssLimitKiB: 1 << 20, e2fsck: false, bin: standIn(name, body) });
    const symptoms = async (name: string, body: string, output?: string) => (await run(name, body, output)).problems.map((p) => p.symptom);

    it('accepts exit 0, a coded failure and a usage error', async () => {
      expect(await symptoms('ok', 'exit 0')).toEqual([]);
      expect(await symptoms('coded', "echo 'distrokit: TAR_TRUNCATED: x' >&2; exit 1")).toEqual([]);
      expect(await symptoms('usage', "echo \"distrokit: bad\nTry 'distrokit --help'.\" >&2; exit 2")).toEqual([]);
    });

    it('rejects an internal error, an uncoded failure, a stack trace and an odd exit code', async () => {
      expect(await symptoms('internal', "echo 'distrokit: internal error: TypeError: x' >&2; exit 1")).toEqual(['internal-error']);
      expect(await symptoms('uncoded', 'echo oops >&2; exit 1')).toEqual(['uncoded-error']);
      expect(await symptoms('stack', "echo 'distrokit: X_Y: m' >&2; echo '    at f (/a/b.js:1:2)' >&2; exit 1")).toEqual(['stack-trace']);
      expect(await symptoms('exit', "echo 'distrokit: X_Y: m' >&2; exit 134")).toEqual(['exit-code']);
    });

    it('rejects a signal, a hang and run-away memory', async () => {
      expect(await symptoms('signal', 'kill -SEGV $$')).toContain('signal');
      expect(await symptoms('hang', 'sleep 30')).toEqual(['hang']);
      const eat = 'exec /usr/bin/python3 -c "b = bytearray(300 << 20); b[::4096] = b\'x\' * len(b[::4096])"';
      const big = await runCase({ dir: caseDir('memory'), argv: [], timeoutMs: 60_000, rssLimitKiB: 1 << 20, e2fsck: false, bin: standIn('memory', eat) });
      expect(big.problems.map((p) => p.symptom)).toEqual([]);
      const limited = await runCase({ dir: caseDir('memory2'), argv: [], timeoutMs: 60_000, rssLimitKiB: 100 << 10, e2fsck: false, bin: standIn('memory2', eat) });
      expect(limited.problems.map((p) => p.symptom)).toEqual(['memory']);
    });

    it('rejects writes outside out/, leftovers in TMPDIR and partial output on failure', async () => {
      expect(await symptoms('canary', 'echo x >> canary/canary')).toEqual(['write-outside']);
      expect(await symptoms('sibling', 'echo x > escaped')).toEqual(['write-outside']);
      expect(await symptoms('out-sibling', 'mkdir out/dir; echo x > out/escape', 'out/dir')).toEqual(['write-outside']);
      expect(await symptoms('tmp', 'echo x > "$TMPDIR/spool"')).toEqual(['temp-leftover']);
      expect(await symptoms('partial', "echo x > out/image.img; echo 'distrokit: X_Y: m' >&2; exit 1", 'out/image.img')).toEqual(['partial-output']);
      expect(await symptoms('tmp-out', "echo x > out/image.img.tmp-1; echo 'distrokit: X_Y: m' >&2; exit 1", 'out/image.img')).toEqual(['temp-leftover']);
      expect(await symptoms('missing', 'exit 0', 'out/image.img')).toEqual(['missing-output']);
      expect(await symptoms('empty-dir-ok', "mkdir out/dir; echo 'distrokit: X_Y: m' >&2; exit 1", 'out/dir')).toEqual([]);
    });
  });
});
