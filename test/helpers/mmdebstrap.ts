/**
 * Debian's mmdebstrap as the oracle for `distrokit image debian`: the same
 * package list installed by `mmdebstrap --mode=root --variant=custom` into a
 * directory. What mmdebstrap does in that mode, and which of its files are
 * its own rather than the packages', is written down in
 * docs/image-debian-oracle.md; MMDEBSTRAP_IGNORE below is that list as code.
 *
 * Two choices keep the oracle on the same input as distrokit:
 *  - the indexes are the machine's apt lists (/var/lib/apt/lists: bookworm,
 *    bookworm-updates and bookworm-security main), copied into the chroot in a
 *    setup hook with --skip=update, so mmdebstrap resolves against exactly the
 *    Packages files distrokit reads, not whatever deb.debian.org serves today;
 *  - with `debsDirs` the .debs are put into the chroot's
 *    /var/cache/apt/archives in a setup hook under apt's own file names (as the
 *    manual's sync-in example does), so apt finds them, checks their size and
 *    hashes against the index and downloads nothing (`downloaded` says what it
 *    did fetch).
 * The result is cached under ~/.cache/distrokit/mmdebstrap/ keyed by the
 * package list, the lists' InRelease files, mmdebstrap's version and
 * SOURCE_DATE_EPOCH, so a test suite pays for it once.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CACHE_DIR } from './cache.js';

export const MACHINE_APT_LISTS = '/var/lib/apt/lists';

/** The machine's apt sources as one-line entries, matching the list files' names. */
export const BOOKWORM_MIRRORS = [
  'deb http://deb.debian.org/debian bookworm main',
  'deb http://deb.debian.org/debian bookworm-updates main',
  'deb http://deb.debian.org/debian-security bookworm-security main',
] as const;

const LIST_PREFIXES = [
  'deb.debian.org_debian_dists_bookworm_',
  'deb.debian.org_debian_dists_bookworm-updates_',
  'deb.debian.org_debian-security_dists_bookworm-security_',
];

export interface IgnoreEntry {
  glob: string;
  reason: string;
}

/**
 * Files mmdebstrap itself puts into the chroot in this mode (run_setup,
 * setup_mounts and apt-get run from outside), which no package or
 * maintainer script makes. A plain `chroot DIR dpkg --install` of the same
 * .debs has none of them (docs/image-debian-oracle.md, "what mmdebstrap adds").
 */
export const MMDEBSTRAP_OWN_FILES: readonly IgnoreEntry[] = [
  { glob: '/dev/*', reason: 'mmdebstrap mknods console, full, null, ptmx, random, tty, urandom, zero, makes fd, stdin, stdout, stderr symlinks into /proc/self/fd and the pts/ and shm/ directories (root mode); a booted system gets them from devtmpfs. /dev itself is base-files\' and stays compared' },
  { glob: '/etc/apt/sources.list', reason: 'mmdebstrap writes the mirror lines it was given' },
  { glob: '/etc/fstab', reason: 'mmdebstrap writes "# UNCONFIGURED FSTAB FOR BASE SYSTEM" when absent (as debootstrap does); no package ships it' },
  { glob: '/etc/hostname', reason: "mmdebstrap copies the host's file (debootstrap compatibility); host-dependent content and mode" },
  { glob: '/etc/resolv.conf', reason: "mmdebstrap copies the host's file (debootstrap compatibility); host-dependent content and mode" },
  { glob: '/var/lib/dpkg/arch', reason: 'mmdebstrap writes the native architecture ("amd64\\n"); dpkg only writes it when foreign architectures are added' },
  { glob: '/var/cache/apt/archives/lock', reason: 'left by the apt-get that mmdebstrap runs from outside to download the .debs' },
  { glob: '/var/lib/apt/lists/lock', reason: 'left by the apt-get runs of mmdebstrap (update skipped here, the cleanup "apt-get update" with empty sources)' },
  { glob: '/var/cache/apt/archives/partial', reason: 'apt (package) ships it 0755 root; the apt-get run by mmdebstrap makes it 0700 (owner _apt when sandboxed, root here)' },
  { glob: '/var/lib/apt/lists/partial', reason: 'as archives/partial: mode and owner set by the apt-get that mmdebstrap runs' },
];

/**
 * Files a dpkg run leaves behind and mmdebstrap's cleanup deletes
 * (run_cleanup, "cleanup/reproducible"): an image made by running dpkg has
 * them and mmdebstrap's tree does not.
 */
export const MMDEBSTRAP_REMOVED_FILES: readonly IgnoreEntry[] = [
  { glob: '/var/log/dpkg.log', reason: 'timestamps; mmdebstrap deletes it' },
  { glob: '/var/log/alternatives.log', reason: 'timestamps; mmdebstrap deletes it' },
  { glob: '/var/log/apt/history.log', reason: 'timestamps; mmdebstrap deletes it' },
  { glob: '/var/log/apt/term.log', reason: 'timestamps; mmdebstrap deletes it' },
  { glob: '/var/log/apt/eipp.log.xz', reason: 'apt solver dump; mmdebstrap deletes it' },
  { glob: '/var/cache/ldconfig/aux-cache', reason: "ldconfig's cache of file stats (inode numbers, times); mmdebstrap deletes it" },
  { glob: '/var/lib/dbus/machine-id', reason: 'random per machine; mmdebstrap deletes it (and empties /etc/machine-id if present)' },
];

/**
 * Files whose content depends on how the packages were installed (one dpkg
 * call or one per install group), not on what was installed: dpkg and
 * debconf keep the previous version of their databases as *-old.
 */
export const INSTALL_PROCESS_FILES: readonly IgnoreEntry[] = [
  { glob: '/var/lib/dpkg/*-old', reason: "dpkg's copy of status/diversions/statoverride from before its last write: differs between one dpkg call and one per group" },
  { glob: '/var/cache/debconf/*-old', reason: "debconf's copy of config.dat/templates.dat from before its last write: same" },
];

/**
 * Everything to leave out when comparing an image with mmdebstrap's tree:
 * the three lists above. /etc/shadow is not here: its last-change day is
 * SOURCE_DATE_EPOCH/86400 (or today), so give both sides the same
 * SOURCE_DATE_EPOCH rather than ignoring it.
 */
export const MMDEBSTRAP_IGNORE: readonly IgnoreEntry[] = [...MMDEBSTRAP_OWN_FILES, ...MMDEBSTRAP_REMOVED_FILES, ...INSTALL_PROCESS_FILES];

/** The globs of MMDEBSTRAP_IGNORE, as diffManifests takes them. */
export const MMDEBSTRAP_IGNORE_GLOBS: readonly string[] = MMDEBSTRAP_IGNORE.map((e) => e.glob);

export interface MmdebstrapRequest {
  /** Package names for --include (mmdebstrap's custom variant installs these and their dependencies, nothing else). */
  packages: readonly string[];
  /** Directories of .debs to serve from /var/cache/apt/archives (warm cache: nothing is downloaded). */
  debsDirs?: readonly string[];
  /** Exported to mmdebstrap, which passes it to dpkg and the maintainer scripts. */
  sourceDateEpoch?: number;
  /** apt lists to resolve against (default the machine's, /var/lib/apt/lists). */
  listsDir?: string;
}

export interface MmdebstrapRun {
  /** Wall time of the mmdebstrap process alone. */
  seconds: number;
  /** Files apt fetched from the network ('Get:' lines); empty with a warm cache. */
  downloaded: string[];
  /** Its stderr (--verbose: apt and dpkg output). */
  log: string;
}

/**
 * Runs mmdebstrap once into `target` (must not exist or be empty). Throws with
 * the log's tail if it fails; then `target` is removed. No cache.
 */
export async function runMmdebstrap(request: MmdebstrapRequest, target: string): Promise<MmdebstrapRun> {
  const listsDir = request.listsDir ?? MACHINE_APT_LISTS;
  const lists = listFiles(listsDir);
  const staging = request.debsDirs?.length ? stageDebs(request.debsDirs) : undefined;
  mkdirSync(target, { recursive: true });
  chmodSync(target, 0o755);
  const hooks = [
    // apt's lists from the machine, so that the download step reads exactly them.
    `--setup-hook=mkdir -p "$1/var/lib/apt/lists/partial" && cp ${lists.map((f) => `'${join(listsDir, f)}'`).join(' ')} "$1/var/lib/apt/lists/"`,
  ];
  if (staging) hooks.push('--setup-hook=mkdir -p "$1/var/cache/apt/archives/partial" && for f in "$DISTROKIT_DEBS"/*.deb; do cp -lL "$f" "$1/var/cache/apt/archives/" 2>/dev/null || cp -L "$f" "$1/var/cache/apt/archives/"; done');
  const argv = [
    '--mode=root', '--variant=custom', '--verbose', '--skip=update',
    `--include=${[...request.packages].join(',')}`,
    ...hooks,
    'bookworm', target, ...BOOKWORM_MIRRORS,
  ];
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.SOURCE_DATE_EPOCH;
  if (request.sourceDateEpoch !== undefined) env.SOURCE_DATE_EPOCH = String(request.sourceDateEpoch);
  if (staging) env.DISTROKIT_DEBS = staging;
  const t0 = performance.now();
  try {
    const { code, stderr } = await run('mmdebstrap', argv, env);
    const seconds = (performance.now() - t0) / 1000;
    if (code !== 0) {
      rmTree(target);
      throw new Error(`mmdebstrap exited ${code}:\n${stderr.split('\n').slice(-40).join('\n')}`);
    }
    const downloaded = stderr.split('\n').filter((l) => /^Get:\d+ /.test(l));
    return { seconds, downloaded, log: stderr };
  } finally {
    if (staging) rmSync(staging, { recursive: true, force: true });
  }
}

export interface MmdebstrapTree {
  /** The chroot directory (inside the cache unless `dir` was given). Treat as read-only. */
  root: string;
  /** dpkg-query's view of the result: package name → version, for every package with status "install ok installed". */
  installed: Map<string, string>;
  /** True when the tree came from the cache without running mmdebstrap. */
  cached: boolean;
  log: string;
}

/**
 * mmdebstrap's tree for `request`, built once and cached. With `dir` the
 * cached tree is also copied there (cp -a) for a caller that wants its own.
 */
export async function mmdebstrapTree(request: MmdebstrapRequest & { dir?: string }): Promise<MmdebstrapTree> {
  const entry = join(CACHE_DIR, 'mmdebstrap', cacheKey(request));
  const root = join(entry, 'root');
  let cached = true;
  if (!existsSync(join(entry, 'installed.tsv'))) {
    cached = false;
    mkdirSync(join(CACHE_DIR, 'mmdebstrap'), { recursive: true });
    const tmp = mkdtempSync(`${entry}.tmp-`);
    try {
      const result = await runMmdebstrap(request, join(tmp, 'root'));
      writeFileSync(join(tmp, 'log.txt'), result.log);
      writeFileSync(join(tmp, 'request.json'), `${JSON.stringify({ ...request, mmdebstrap: mmdebstrapVersion() }, null, 1)}\n`);
      writeFileSync(join(tmp, 'installed.tsv'), dpkgQuery(join(tmp, 'root')));
      try {
        renameSync(tmp, entry);
      } catch (err) {
        // Another process finished the same entry first: keep theirs.
        if (!existsSync(join(entry, 'installed.tsv'))) throw err;
        rmTree(tmp);
      }
    } catch (err) {
      rmTree(tmp);
      throw err;
    }
  }
  const installed = new Map<string, string>();
  for (const line of readFileSync(join(entry, 'installed.tsv'), 'utf8').split('\n')) {
    const [name, version, status] = line.split('\t');
    if (name && status === 'install ok installed') installed.set(name, version!);
  }
  const log = readFileSync(join(entry, 'log.txt'), 'utf8');
  if (request.dir) {
    mkdirSync(request.dir, { recursive: true });
    const cp = spawnSync('cp', ['-a', `${root}/.`, request.dir], { encoding: 'utf8' });
    if (cp.status !== 0) throw new Error(`cp -a ${root} ${request.dir}: ${cp.stderr}`);
    return { root: request.dir, installed, cached, log };
  }
  return { root, installed, cached, log };
}

/** `dpkg-query -W` over the chroot's database: name, version, status per line (sorted by name). */
export function dpkgQuery(root: string): string {
  const q = spawnSync('dpkg-query', [`--admindir=${join(root, 'var/lib/dpkg')}`, '-W', '-f', '${Package}\t${Version}\t${Status}\n'], { encoding: 'utf8' });
  if (q.status !== 0) throw new Error(`dpkg-query: ${q.stderr}`);
  return q.stdout.split('\n').filter(Boolean).sort().join('\n') + '\n';
}

export function mmdebstrapVersion(): string {
  const v = spawnSync('mmdebstrap', ['--version'], { encoding: 'utf8' });
  if (v.status !== 0) throw new Error('mmdebstrap is not installed (scripts/install-system-deps.sh)');
  return v.stdout.trim();
}

function cacheKey(request: MmdebstrapRequest): string {
  const listsDir = request.listsDir ?? MACHINE_APT_LISTS;
  const releases = listFiles(listsDir)
    .filter((f) => f.endsWith('_InRelease'))
    .map((f) => createHash('sha256').update(readFileSync(join(listsDir, f))).digest('hex'));
  const key = JSON.stringify({
    packages: [...new Set(request.packages)].sort(),
    releases,
    mirrors: BOOKWORM_MIRRORS,
    mmdebstrap: mmdebstrapVersion(),
    sourceDateEpoch: request.sourceDateEpoch ?? null,
    // Bump when the way mmdebstrap is run changes.
    recipe: 1,
  });
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * The names in bookworm main marked Essential: yes or Priority: required, read
 * from the machine's list with the shell tools (not distrokit's parser): the
 * base that debootstrap and mmdebstrap's required variant install, and that
 * the custom variant does not add by itself.
 */
export function essentialAndRequired(listsDir = MACHINE_APT_LISTS): string[] {
  const main = readdirSync(listsDir).find((n) => n.startsWith(`${LIST_PREFIXES[0]}main_binary-amd64_Packages`) && !n.endsWith('.diff_Index'));
  if (!main) throw new Error(`no bookworm main Packages in ${listsDir}`);
  const cat = main.endsWith('.lz4') ? 'lz4 -dc' : main.endsWith('.xz') ? 'xz -dc' : main.endsWith('.gz') ? 'gzip -dc' : 'cat';
  const res = spawnSync('sh', ['-c', `${cat} "$1"`, 'sh', join(listsDir, main)], { maxBuffer: 1 << 30 });
  if (res.status !== 0) throw new Error(`${cat} ${main}: ${res.stderr}`);
  const names = new Set<string>();
  for (const stanza of res.stdout.toString('utf8').split(/\n\n+/)) {
    if (!/^(Essential: yes|Priority: required)$/m.test(stanza)) continue;
    const name = /^Package: (\S+)$/m.exec(stanza)?.[1];
    if (name) names.add(name);
  }
  return [...names].sort();
}

/** The InRelease and Packages files of the three bookworm suites in `listsDir`. */
function listFiles(listsDir: string): string[] {
  const names = readdirSync(listsDir);
  const out: string[] = [];
  for (const prefix of LIST_PREFIXES) {
    const release = names.find((n) => n === `${prefix}InRelease`);
    const packages = names.find((n) => n.startsWith(`${prefix}main_binary-amd64_Packages`) && !n.endsWith('.diff_Index'));
    if (!release || !packages) throw new Error(`mmdebstrap oracle: no ${prefix}InRelease/Packages in ${listsDir} (apt-get update)`);
    out.push(release, packages);
  }
  return out;
}

/**
 * A temporary directory of symlinks to the .debs under the names apt gives
 * them in /var/cache/apt/archives (name_version_arch.deb, ':' as %3a): the
 * pool names lack the epoch, and apt only reuses a file under its own name.
 */
function stageDebs(dirs: readonly string[]): string {
  const files = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.deb')).map((f) => resolve(d, f)));
  const script = 'for f; do printf "%s\\t" "$f"; dpkg-deb -f "$f" Package Version Architecture | tr "\\n" "\\t"; echo; done';
  const res = spawnSync('sh', ['-c', script, 'sh', ...files], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (res.status !== 0) throw new Error(`dpkg-deb -f: ${res.stderr}`);
  const staging = mkdtempSync(join(tmpdir(), 'distrokit-mmdebstrap-debs-'));
  for (const line of res.stdout.split('\n').filter(Boolean)) {
    const [file, p, v, a] = line.split('\t').map((s) => s.replace(/^\w+: /, ''));
    const name = `${p}_${v!.replace(/:/g, '%3a')}_${a}.deb`;
    if (!existsSync(join(staging, name))) symlinkSync(file!, join(staging, name));
  }
  return staging;
}

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code: code ?? 1, stderr: Buffer.concat(chunks).toString('utf8') }));
  });
}

/** rm -rf that never crosses into a mount mmdebstrap might have left behind. */
function rmTree(dir: string): void {
  if (!existsSync(dir)) return;
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m): m is string => !!m);
  const abs = resolve(dir);
  for (const m of mounts.filter((m) => m.startsWith(`${abs}/`)).sort().reverse()) spawnSync('umount', ['--lazy', m]);
  spawnSync('rm', ['-rf', '--one-file-system', abs]);
}
