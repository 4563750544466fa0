/**
 * The fuzz loop: case i of seed s mutates one seed of kind KINDS[i % n] with
 * the stream Rng(s, i), runs one CLI command on it, and keeps a reproducer
 * (inputs, case.json, repro.sh) for every case the oracle rejects.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { BIN } from './paths.js';
import { Rng } from './prng.js';
import { runCase, type Verdict } from './run-case.js';
import { loadKinds, type Kind } from './targets.js';
import { materializeTree, randomTree } from './trees.js';

export interface FuzzOptions {
  seed: number;
  /** Number of cases (iterations start .. start+iterations-1). */
  iterations: number;
  start?: number;
  /** Stop starting new cases after this many ms (the running ones finish). */
  timeLimitMs?: number;
  /** Only these kinds (default: all). */
  kinds?: string[];
  /** Cases run in parallel (default 2). */
  jobs?: number;
  /** Where reproducers go. */
  findingsDir: string;
  caseTimeoutMs?: number;
  rssLimitKiB?: number;
  /** Check exit-0 ext4 images with e2fsck -fn (default true). */
  e2fsck?: boolean;
  log?: (line: string) => void;
  /** Log every case (exit, time, command), not only findings. */
  verbose?: boolean;
}

export interface Finding {
  seed: number;
  iteration: number;
  kind: string;
  fixture: string;
  mutation: string;
  argv: string[];
  symptom: string;
  detail: string;
  reproducer: string;
}

export interface FuzzReport {
  cases: number;
  perKind: Record<string, number>;
  findings: Finding[];
  millis: number;
}

interface PreparedCase {
  kind: Kind;
  fixture: string;
  mutation: string;
  argv: string[];
  output?: string;
}

const OUTPUTS: Record<string, string> = { '@outdir': 'out/dir', '@outimg': 'out/image.img', '@outfile': 'out/initrd.img' };

/** Writes case i's inputs into dir/in and returns its command; everything drawn from Rng(seed, i). */
export function prepareCase(kinds: Kind[], seed: number, iteration: number, dir: string): PreparedCase {
  const rng = new Rng(seed, iteration);
  const kind = kinds[iteration % kinds.length]!;
  const base = rng.pick(kind.seeds);
  const mutated = kind.mutate(rng, base);
  const template = rng.pick(kind.commands(rng, base));
  const second = rng.pick(kind.seeds);
  const inDir = join(dir, 'in');
  const sub = kind.shape === 'dir' ? 'repo' : '';
  for (const [name, data] of mutated.files) {
    const p = join(inDir, sub, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
  }
  mkdirSync(inDir, { recursive: true });
  let mutation = mutated.what;
  if (kind.shape === 'tree') {
    const ops = randomTree(rng);
    mkdirSync(join(inDir, 'tree'));
    materializeTree(join(inDir, 'tree'), ops);
    writeFileSync(join(dir, 'tree.json'), JSON.stringify(ops));
    mutation = `random tree of ${ops.length} operations`;
  }
  const first = [...mutated.files.keys()][0];
  let output: string | undefined;
  const argv = template.map((a) => {
    if (a === '@in') return `in/${first}`;
    if (a === '@indir') return kind.shape === 'tree' ? 'in/tree' : 'in/repo';
    if (a === '@in2') {
      const [name, data] = [...second.files][0]!;
      const p = join(inDir, 'second', name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, data);
      return `in/second/${name}`;
    }
    if (a in OUTPUTS) return (output = OUTPUTS[a]!);
    return a;
  });
  return { kind, fixture: base.name, mutation, argv, output };
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const all = loadKinds();
  const kinds = o.kinds ? all.filter((k) => o.kinds!.includes(k.name)) : all;
  if (kinds.length === 0) throw new Error(`fuzz: no kind among ${all.map((k) => k.name).join(', ')}`);
  // Compile once before parallel runs (bin/distrokit compiles on first use).
  execFileSync(BIN, ['--version'], { stdio: 'ignore' });
  const root = mkdtempSync(join(tmpdir(), 'distrokit-fuzz-'));
  const start = o.start ?? 0;
  const end = start + o.iterations;
  const started = Date.now();
  const findings: Finding[] = [];
  const perKind: Record<string, number> = {};
  let next = start;
  let cases = 0;
  const worker = async () => {
    while (next < end && (o.timeLimitMs === undefined || Date.now() - started < o.timeLimitMs)) {
      const iteration = next++;
      const dir = join(root, `case-${iteration}`);
      for (const d of ['in', 'out', 'tmp', 'canary']) mkdirSync(join(dir, d), { recursive: true });
      writeFileSync(join(dir, 'canary', 'canary'), 'do not touch\n');
      const c = prepareCase(kinds, o.seed, iteration, dir);
      const verdict = await runCase({
        dir,
        argv: c.argv,
        output: c.output,
        timeoutMs: o.caseTimeoutMs ?? 20_000,
        rssLimitKiB: o.rssLimitKiB ?? 1 << 20,
        e2fsck: o.e2fsck ?? true,
      });
      cases++;
      if (o.verbose) log(`case ${iteration} [${c.kind.name}] exit ${verdict.exit} ${verdict.millis} ms ${verdict.maxRssKiB ?? '?'} KiB: distrokit ${c.argv.join(' ')} (${c.fixture}: ${c.mutation.slice(0, 160)}) ${verdict.exit ? verdict.stderr.trim().split('\n')[0]?.slice(0, 160) : ''}`);
      perKind[c.kind.name] = (perKind[c.kind.name] ?? 0) + 1;
      for (const p of verdict.problems) {
        const f = saveFinding(o, dir, c, iteration, p, verdict);
        findings.push(f);
        log(`FINDING ${f.symptom} [${f.kind}] seed ${f.seed} iteration ${f.iteration}: distrokit ${f.argv.join(' ')} — ${f.detail} → ${f.reproducer}`);
      }
      removeTree(dir);
    }
  };
  await Promise.all(Array.from({ length: o.jobs ?? 2 }, worker));
  removeTree(root);
  findings.sort((a, b) => a.iteration - b.iteration);
  return { cases, perKind, findings, millis: Date.now() - started };
}

function saveFinding(o: FuzzOptions, dir: string, c: PreparedCase, iteration: number, p: { symptom: string; detail: string }, v: Verdict): Finding {
  const target = resolve(o.findingsDir, `${c.kind.name}-s${o.seed}-i${iteration}-${p.symptom}`);
  removeTree(target);
  mkdirSync(target, { recursive: true });
  // cp -a keeps FIFOs, device nodes, hard links and xattrs of generated trees.
  spawnSync('cp', ['-a', join(dir, 'in'), join(target, 'in')]);
  const finding: Finding = { seed: o.seed, iteration, kind: c.kind.name, fixture: c.fixture, mutation: c.mutation, argv: c.argv, symptom: p.symptom, detail: p.detail, reproducer: target };
  writeFileSync(join(target, 'case.json'), `${JSON.stringify({ ...finding, exit: v.exit, signal: v.signal, maxRssKiB: v.maxRssKiB, millis: v.millis, stderr: v.stderr.slice(0, 20_000) }, null, 2)}\n`);
  const quoted = c.argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  writeFileSync(
    join(target, 'repro.sh'),
    `#!/usr/bin/env bash\n# ${p.symptom}: ${p.detail.replace(/\n/g, ' ')}\n# fuzz seed ${o.seed}, iteration ${iteration} (kind ${c.kind.name}, fixture ${c.fixture})\n# mutation: ${c.mutation.replace(/\n/g, ' ')}\n` +
      `cd "$(dirname "$0")" && rm -rf out tmp && mkdir -p out tmp\nTMPDIR="$PWD/tmp" exec "\${DISTROKIT:-${BIN}}" ${quoted}\n`,
    { mode: 0o755 },
  );
  return finding;
}

/** rm -rf: generated trees hold paths longer than PATH_MAX, which GNU rm removes and fs.rmSync does not. */
function removeTree(dir: string): void {
  spawnSync('rm', ['-rf', '--', dir]);
}
