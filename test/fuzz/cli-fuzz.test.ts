/**
 * The short run of the mutation fuzzer (scripts/fuzz/, docs/fuzzing.md): a
 * fixed seed, a bounded number of mutated inputs spread over every input kind,
 * each run through bin/distrokit and checked by the fuzzer's oracle (exit
 * 0/1/2 with a coded error, no internal error, crash, hang, run-away memory,
 * write outside the target, leftover temporary or partial output; exit-0
 * ext4 images e2fsck-clean). Reproducers land in fuzz-findings/.
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { runFuzz } from '../../scripts/fuzz/engine.js';
import { loadKinds } from '../../scripts/fuzz/targets.js';
import { REPO } from '../../scripts/fuzz/paths.js';

const SEED = 20_240_601;
const PER_KIND = 20;

describe('mutation fuzzer (short run)', () => {
  it('has seeds for every input kind', () => {
    const kinds = loadKinds();
    expect(kinds.map((k) => k.name).sort()).toEqual(['ar', 'cpio', 'deb', 'initrd-spec', 'packages', 'primary', 'repodata', 'rpm', 'tar', 'tree']);
    for (const k of kinds) expect(k.seeds.length, k.name).toBeGreaterThan(0);
  });

  it(`finds nothing in ${PER_KIND} mutated inputs of each kind`, { timeout: 900_000 }, async () => {
    const lines: string[] = [];
    const report = await runFuzz({
      seed: SEED,
      iterations: PER_KIND * loadKinds().length,
      jobs: 2,
      findingsDir: resolve(REPO, 'fuzz-findings'),
      log: (line) => lines.push(line),
    });
    expect(report.cases).toBe(PER_KIND * loadKinds().length);
    expect(report.findings.map((f) => `${f.symptom} [${f.kind}] ${f.detail} → ${f.reproducer}/repro.sh`)).toEqual([]);
  });
});
