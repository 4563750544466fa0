/**
 * Parsing the 50 MB bookworm main Packages: distrokit's parser against
 * libsolv's (`deb2solv -r < Packages > /dev/null`, package libsolv-tools),
 * each as a whole process, in one run. Three variants: every field of every
 * stanza, the fields a closure uses, and the fast scan the repository model
 * uses (name/version/architecture/Provides; the rest parsed on first use),
 * alone and with the repository model built from it.
 * Run after `npm run build`:
 *   node dist/bench/deb-parse.js [Packages] [runs]
 */
import { createReadStream } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLOSURE_FIELDS, parsePackagesBatches } from '../src/deb/packages.js';
import { DebRepository } from '../src/deb/repository.js';
import { scanPackagesChunks } from '../src/deb/scan.js';
import { machineLine, measure, which } from './lib.js';

type Mode = 'all' | 'closure' | 'scan' | 'repository';

async function child(file: string, mode: Mode): Promise<void> {
  let n = 0;
  if (mode === 'repository') {
    const repo = await DebRepository.fromIndexes([{ path: file }]);
    n = repo.size;
  } else if (mode === 'scan') {
    for await (const chunk of scanPackagesChunks(createReadStream(file, { highWaterMark: 1 << 20 }), { file })) n += chunk.count;
  } else {
    const input = createReadStream(file, { highWaterMark: 256 * 1024 });
    for await (const batch of parsePackagesBatches(input, { file, keep: mode === 'closure' ? CLOSURE_FIELDS : undefined })) n += batch.length;
  }
  if (n === 0) throw new Error('no packages');
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3]!, process.argv[4] as Mode);
  const file = process.argv[2] ?? join(homedir(), '.cache/distrokit/debian/main_Packages');
  const runs = Number(process.argv[3] ?? 5);
  const self = fileURLToPath(import.meta.url);
  console.log(`# deb-parse: ${file}\n# ${machineLine()}\n# median of ${runs} runs, whole processes`);
  const rows: [string, { seconds: number; maxRssMB: number }][] = [];
  if (!which('deb2solv')) throw new Error('deb2solv not found: apt-get install libsolv-tools');
  rows.push(['libsolv deb2solv -r', measure(['deb2solv', '-r'], runs, { stdin: file })]);
  rows.push(['distrokit parsePackages (closure fields)', measure([process.execPath, self, '--child', file, 'closure'], runs)]);
  rows.push(['distrokit parsePackages (all fields)', measure([process.execPath, self, '--child', file, 'all'], runs)]);
  rows.push(['distrokit scanPackagesChunks (the fast scan)', measure([process.execPath, self, '--child', file, 'scan'], runs)]);
  rows.push(['distrokit DebRepository (scan + model)', measure([process.execPath, self, '--child', file, 'repository'], runs)]);
  const base = rows[0]![1].seconds;
  for (const [name, t] of rows) console.log(`${name.padEnd(42)} ${t.seconds.toFixed(2)} s  ${t.maxRssMB.toFixed(0)} MB  ×${(base / t.seconds).toFixed(2)} vs deb2solv`);
}

await main();
