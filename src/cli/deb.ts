/** `distrokit deb …`: Debian closures, version comparison and package info. */
import { createReadStream } from 'node:fs';
import { resolveClosure } from '../deb/closure.js';
import { CompatIndex, resolveClosureCompat } from '../deb/compat-deb-closure.js';
import { installGroups } from '../deb/install-groups.js';
import { closureDocument, renderNix, whyDocument } from '../deb/output.js';
import { type DebPackage, parsePackagesBatches } from '../deb/packages.js';
import { DebRepository } from '../deb/repository.js';
import { checkVersion, compareParsedVersions, type DebVersion } from '../deb/version.js';
import { CLOSURE_OUTPUT, printClosure, printWhy } from './closure-output.js';
import { EXIT_FAIL, EXIT_OK, Progress, UsageError } from './common.js';
import { command } from './dispatch.js';
import { indexesFromSource, INDEX_SOURCE_OPTIONS } from './index-source.js';
import { debArch, file, oneOf, url, word } from './options.js';

const DEFAULT_URL_PREFIX = 'http://deb.debian.org/debian';

const closure = command({
  name: 'closure',
  summary: 'resolve the dependency closure of packages into install groups',
  usage: '(--index FILE… | --dist NAME | --mirror URL --suite S…) [options] PKG…',
  description: `The packages to install for PKG… (names or virtual names), with apt's choices,
in install groups: every group is installed after the earlier ones,
Pre-Depends in an earlier group. The JSON document has the keys
requested, packages [{name, version, arch, id, location, url, checksum, size,
group, repo}], groups, problems and warnings, as 'rpm closure'. An unmet
dependency or conflict is a problem: the document is still printed, the
problems go to stderr too, and the exit status is 1.
--dist NAME (a catalog distribution, 'distrokit catalog list') or
--mirror URL --suite S… reads verified indexes instead of --index files:
'fetch index' fetches them into the cache ($DISTROKIT_CACHE or
~/.cache/distrokit, indexes/), again only when a suite's InRelease changed.
With --dist, --mirror replaces its first suite's mirror, and
DISTROKIT_MIRROR_<name> any of its mirrors.`,
  options: {
    index: { value: file, multiple: true, help: 'a Packages index (plain, gz, bz2, xz, zst or lz4; detected by content); repeatable' },
    'url-prefix': { value: url, multiple: true, help: `base URL of the pool; once for all indexes, or once per --index\n(default ${DEFAULT_URL_PREFIX})` },
    ...INDEX_SOURCE_OPTIONS,
    arch: { value: debArch, default: 'amd64', help: "native architecture (default amd64); 'all' packages are always included" },
    recommends: { help: 'follow Recommends too' },
    weak: { aliasOf: 'recommends' },
    essential: { help: 'add the Essential: yes and Priority: required base' },
    compat: { value: oneOf(['deb-closure']), help: "reproduce nixpkgs' deb-closure.pl choices (deterministically)" },
    why: { value: word('PKG'), help: 'print the chain of dependencies that pulls PKG in\n(JSON, or one line per step with --format list)' },
    quiet: { help: 'no progress, summary or warnings on stderr' },
  },
  output: CLOSURE_OUTPUT,
  positionals: { min: 0, value: word('PKG') },
  examples: [
    'distrokit deb closure --index /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4 bash',
    'distrokit deb closure --index main/Packages.xz --index security/Packages.xz \\\n      --url-prefix http://deb.debian.org/debian --url-prefix http://deb.debian.org/debian-security \\\n      --format nix perl make g++ > debs.nix',
    'distrokit deb closure --index Packages.gz --why libc6 curl',
    'distrokit deb closure --dist debian-12 --format json bash > lock.json',
    'distrokit deb closure --mirror http://127.0.0.1:8080/debian --suite bookworm --keyring key.gpg bash',
  ],
  async run({ values, positionals, format }) {
    if (positionals.length === 0 && !values.essential) throw new UsageError('deb closure needs at least one package name (or --essential)');
    const fetched = await indexesFromSource(values, values.index.length > 0 || values['url-prefix'].length > 0, [values.arch], format === 'json');
    const indexes = fetched?.map((i) => i.path) ?? values.index;
    if (indexes.length === 0) throw new UsageError('deb closure needs --index FILE, --dist NAME or --mirror URL --suite SUITE');
    const prefixes = fetched?.map((i) => i.urlPrefix) ?? (values['url-prefix'].length > 0 ? values['url-prefix'] : [DEFAULT_URL_PREFIX]);
    if (prefixes.length !== 1 && prefixes.length !== indexes.length)
      throw new UsageError(`give --url-prefix once, or once per --index (${indexes.length}), not ${prefixes.length} times`);
    const prefixOf = (pkg: DebPackage) => prefixes[prefixes.length === 1 ? 0 : pkg.origin.index];
    const repoOf = (pkg: DebPackage) => indexes[pkg.origin.index];
    const progress = new Progress({ quiet: values.quiet, json: format === 'json' });

    if (values.compat) {
      if (values.recommends || values.essential) throw new UsageError('--compat deb-closure follows Depends and Pre-Depends only');
      if (values.why !== undefined) throw new UsageError('--why is not available with --compat deb-closure');
      const index = new CompatIndex();
      for (const [i, path] of indexes.entries()) {
        progress.update(`reading ${path}`, true);
        for await (const batch of parsePackagesBatches(createReadStream(path, { highWaterMark: 256 * 1024 }), { file: path, index: i })) {
          for (const pkg of batch) index.add(pkg);
        }
      }
      const doc = closureDocument(positionals, resolveClosureCompat(index, positionals).groups, prefixOf, { repoOf });
      progress.done();
      return printClosure(doc, format, () => renderNix(doc), values.quiet);
    }
    const repo = new DebRepository({ arch: values.arch });
    progress.update(`reading ${indexes.join(', ')}`, true);
    await repo.addIndexes(indexes.map((path) => ({ path })));
    progress.update(`resolving the closure of ${positionals.length} package(s) among ${repo.size}`, true);
    const closure = resolveClosure(repo, positionals, { recommends: values.recommends, essential: values.essential });
    const doc = closureDocument(positionals, installGroups(closure), prefixOf, { repoOf, problems: closure.problems });
    progress.done();
    if (values.why !== undefined) return printWhy(() => whyDocument(closure, values.why!), doc, format, values.quiet);
    return printClosure(doc, format, () => renderNix(doc), values.quiet);
  },
});

const OPS: Record<string, (cmp: number) => boolean> = {
  lt: (c) => c < 0,
  '<<': (c) => c < 0,
  le: (c) => c <= 0,
  '<=': (c) => c <= 0,
  '<': (c) => c <= 0,
  eq: (c) => c === 0,
  '=': (c) => c === 0,
  ne: (c) => c !== 0,
  ge: (c) => c >= 0,
  '>=': (c) => c >= 0,
  '>': (c) => c >= 0,
  gt: (c) => c > 0,
  '>>': (c) => c > 0,
};

/** A version operand: null for the empty version (dpkg's '' and '<unknown>'); bad syntax is a usage error (exit 2, as dpkg). */
function operand(v: string): DebVersion | null {
  if (v === '' || v === '<unknown>') return null;
  const checked = checkVersion(v);
  if (checked.problem?.severity === 'warning') process.stderr.write(`distrokit: warning: version '${v}' has bad syntax: ${checked.problem.message}\n`);
  if (!checked.version) throw new UsageError(`version '${v}' has bad syntax: ${checked.problem!.message}`);
  return checked.version;
}

const compareVersions = command({
  name: 'compare-versions',
  summary: "compare two versions like 'dpkg --compare-versions'",
  usage: 'A OP B',
  description: `OP: lt le eq ne ge gt, lt-nl le-nl ge-nl gt-nl (an empty version is later), or < << <= = >= >> >
Exit status 0 if the relation holds, 1 if not, 2 on bad syntax (as dpkg).`,
  options: {},
  positionals: { min: 3, max: 3 },
  examples: ['distrokit deb compare-versions 1.0~rc1 lt 1.0 && echo older'],
  async run({ positionals }) {
    const [a, opName, b] = positionals as [string, string, string];
    const nl = opName.endsWith('-nl');
    const op = OPS[nl ? opName.slice(0, -3) : opName];
    if (!op || (nl && !['lt', 'le', 'ge', 'gt'].includes(opName.slice(0, -3)))) throw new UsageError(`unknown operator '${opName}'`);
    const va = operand(a);
    const vb = operand(b);
    // An empty version is the oldest, except with the '-nl' operators where it is the newest (dpkg).
    let cmp: number;
    if (va && vb) cmp = compareParsedVersions(va, vb);
    else if (!va && !vb) cmp = 0;
    else if (nl) cmp = va ? -1 : 1;
    else cmp = compareParsedVersions(va ?? { epoch: 0, upstream: '', revision: '' }, vb ?? { epoch: 0, upstream: '', revision: '' });
    return op(cmp) ? EXIT_OK : EXIT_FAIL;
  },
});

const info = command({
  name: 'info',
  summary: 'the control fields of a .deb (like dpkg-deb -f)',
  usage: 'FILE [--json]',
  description: `Prints the fields of the control file as 'dpkg-deb -f FILE' does. With --json:
{fields: {Name: value…}, conffiles, md5sums count, controlFiles (maintainer
scripts and other control members), dataMember, dataCompression}.`,
  options: {},
  positionals: { min: 1, max: 1, value: file },
  examples: ['distrokit deb info bash_5.2.15-2+b7_amd64.deb'],
  run: async ({ positionals, format }) => (await import('./package-info.js')).runDebInfo(positionals[0]!, format === 'json'),
});

export const commands = [closure, compareVersions, info];
