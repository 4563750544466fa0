/**
 * `distrokit fetch packages` against `apt-get download`, the same ~110 .debs
 * (the closure of nixpkgs' common Debian set on the machine's bookworm
 * lists) from the same loopback mirror (test/helpers/debian-mirror.ts: real
 * .debs under pool/, the machine's signed InRelease and the Packages files it
 * lists, uncompressed, so apt verifies them with Debian's keyring). The
 * server answers every request after a fixed latency (default 20 ms, as a
 * nearby mirror's round trip) so that connections matter, for both tools.
 * distrokit runs with --jobs 4 into an empty cache; apt-get download in an
 * empty directory with its own sources.list, lists and cache (`apt-get
 * update` against the mirror first, untimed). Rounds alternate the two; the
 * ratio is the median of the rounds' ratios.
 *
 *   node dist/bench/fetch-packages.js [--rounds N] [--latency MS] [--jobs N]
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { decompressToBuffer } from '../formats/compress/index.js';
import { machineBookwormLists } from '../src/fetch/apt-lists.js';
import { buildDebianMirror } from '../test/helpers/debian-mirror.js';
import { startHttpServer } from '../test/helpers/http-server.js';
import { machineLine, median } from './lib.js';

const BIN = fileURLToPath(new URL('../../bin/distrokit', import.meta.url));
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, latency: { type: 'string', default: '20' }, jobs: { type: 'string', default: '4' } } });
const rounds = Number(values.rounds);
const latencyMs = Number(values.latency);

/** Runs a command to completion without blocking this process (the server lives here); wall seconds. */
function timed(cmd: string, args: string[], cwd?: string): Promise<number> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - start) / 1e9) : reject(new Error(`${cmd} ${args.slice(0, 3).join(' ')}… exit ${code}: ${stderr.slice(-2000)}`))));
  });
}

const work = mkdtempSync(join(tmpdir(), 'distrokit-bench-fetch-'));
const www = join(work, 'www');
const server = await startHttpServer(www, { latencyMs });
try {
  const mirror = buildDebianMirror(www, server.url);
  // The machine's InRelease files and their Packages (uncompressed: the bytes InRelease's SHA256 lines name).
  for (const list of machineBookwormLists()) {
    const base = list.urlPrefix.endsWith('debian-security') ? 'debian-security' : 'debian';
    const suite = /_dists_(.+)_main_binary-amd64_Packages/.exec(list.path)![1]!;
    const dists = join(www, base, 'dists', suite);
    mkdirSync(join(dists, 'main', 'binary-amd64'), { recursive: true });
    copyFileSync(list.path.replace(/_main_binary-amd64_Packages.*$/, '_InRelease'), join(dists, 'InRelease'));
    writeFileSync(join(dists, 'main', 'binary-amd64', 'Packages'), await decompressToBuffer(readFileSync(list.path)));
  }
  const apt = join(work, 'apt');
  mkdirSync(join(apt, 'lists', 'partial'), { recursive: true });
  mkdirSync(join(apt, 'cache', 'archives', 'partial'), { recursive: true });
  writeFileSync(join(apt, 'status'), '');
  writeFileSync(
    join(apt, 'sources.list'),
    ['bookworm', 'bookworm-updates'].map((s) => `deb ${server.url}/debian ${s} main`).concat(`deb ${server.url}/debian-security bookworm-security main`).join('\n') + '\n',
  );
  const aptOptions = [
    '-o', `Dir::Etc::SourceList=${join(apt, 'sources.list')}`,
    '-o', 'Dir::Etc::SourceParts=/nonexistent',
    '-o', `Dir::State::Lists=${join(apt, 'lists')}`,
    '-o', `Dir::State::status=${join(apt, 'status')}`,
    '-o', `Dir::Cache=${join(apt, 'cache')}`,
    '-o', 'Acquire::By-Hash=no',
    '-o', 'Acquire::Check-Valid-Until=false',
    '-o', 'Acquire::Languages=none',
    '-o', 'APT::Sandbox::User=root',
    '-o', 'APT::Architecture=amd64',
    '-o', 'APT::Architectures::=amd64',
    '-o', 'Debug::NoLocking=1',
  ];
  await timed('apt-get', [...aptOptions, '-q', 'update']);
  const specs = mirror.lock.packages.map((p) => `${p.name}=${p.version}`);
  const bytes = mirror.lock.packages.reduce((n, p) => n + (p.size ?? 0), 0);
  console.log(`# fetch-packages: ${specs.length} packages, ${(bytes / 1024 / 1024).toFixed(1)} MiB, loopback server with ${latencyMs} ms latency per request\n# ${machineLine()}\n# ${rounds} rounds of: distrokit fetch packages --jobs ${values.jobs} (empty cache), then apt-get download (empty directory)`);
  const ours: number[] = [];
  const theirs: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const cache = join(work, `cache-${r}`);
    const t1 = await timed(BIN, ['fetch', 'packages', '--lock', mirror.lockPath, '--cache', cache, '--jobs', values.jobs!]);
    const dl = join(work, `apt-download-${r}`);
    mkdirSync(dl);
    const t2 = await timed('apt-get', [...aptOptions, '-q', 'download', ...specs], dl);
    rmSync(cache, { recursive: true, force: true });
    rmSync(dl, { recursive: true, force: true });
    ours.push(t1);
    theirs.push(t2);
    ratios.push(t2 / t1);
    console.log(`round ${r + 1}: distrokit ${t1.toFixed(2)} s, apt-get download ${t2.toFixed(2)} s, ratio ×${(t2 / t1).toFixed(2)}`);
  }
  console.log(`median: distrokit ${median(ours).toFixed(2)} s, apt-get download ${median(theirs).toFixed(2)} s, ratio ×${median(ratios).toFixed(2)} (> 1: distrokit faster)`);
} finally {
  await server.close();
  rmSync(work, { recursive: true, force: true });
}
