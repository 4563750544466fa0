/** `distrokit rpm …`: closures over RPM repositories, rpm version comparison and package info. */
import { closureToJson, closureToNix, type Closure, resolveClosure, whyDocument } from '../rpm/closure.js';
import { resolveClosureCompat } from '../rpm/compat.js';
import { loadPool } from '../rpm/repository.js';
import { compareEVR } from '../rpm/vercmp.js';
import { CLOSURE_OUTPUT, printClosure, printWhy } from './closure-output.js';
import { EXIT_OK, UsageError, writeStdout } from './common.js';
import { command } from './dispatch.js';
import { file, integer, location, oneOf, rpmArchList, word } from './options.js';

const closure = command({
  name: 'closure',
  summary: 'resolve the dependency closure of packages into install groups',
  usage: '--repo DIR_OR_URL [--repo …] [options] PKG…',
  description: `The packages to install for PKG… (names, name.arch, or anything provided:
virtual names, file paths), chosen like dnf/libsolv: repository priority, not
obsoleted, best architecture (noarch neutral), then name, then the newest
version. A repository is a directory or URL holding repodata/repomd.xml, or a
bare primary.xml[.gz|.bz2|.xz|.zst]. The JSON document has the keys requested,
packages [{name, version, arch, id, location, url, checksum, size, group,
repo}], groups, problems and warnings, as 'deb closure'. An unsatisfiable
requirement is a problem: the document is still printed (with no packages:
like dnf, the solver gives no partial answer), the problem goes to stderr too,
and the exit status is 1.`,
  options: {
    repo: { value: location, multiple: true, help: 'repository (repeatable, in priority-tie order)' },
    priority: { value: integer(-(2 ** 31), 2 ** 31 - 1), multiple: true, help: 'priority of the --repo at the same position (repeatable;\nlower wins, default 99)' },
    arch: { value: rpmArchList, help: 'accepted architectures, best first (default x86_64,noarch;\nadd i686 for multilib)' },
    filelists: { help: 'read filelists.xml too (file dependencies outside primary)' },
    recommends: { help: 'follow Recommends (best effort)' },
    weak: { aliasOf: 'recommends' },
    grouped: { help: 'nix: a list of lists, one per install group' },
    compat: { value: oneOf(['rpm-closure']), help: "reproduce nixpkgs' rpm-closure.pl choices (its quirks included)" },
    why: { value: word('PKG'), help: 'print the chain of requirements that pulls PKG (a name or NEVRA) in\n(JSON, or one line per step with --format list)' },
    quiet: { help: 'no summary or warnings on stderr' },
  },
  output: CLOSURE_OUTPUT,
  positionals: { min: 1, value: word('PKG') },
  examples: [
    'distrokit rpm closure --repo ./repo --format nix bash coreutils > closure.nix',
    'distrokit rpm closure --repo https://mirror/fedora/43/Everything/x86_64/os --filelists --why glibc dnf',
    'distrokit rpm closure --repo base --priority 10 --repo updates --priority 5 --arch x86_64,i686,noarch glibc.i686',
  ],
  async run({ values, positionals, format }) {
    const repos = values.repo;
    if (repos.length === 0) throw new UsageError('rpm closure needs at least one --repo');
    if (values.priority.length > repos.length) throw new UsageError('more --priority than --repo');
    const compat = values.compat === 'rpm-closure';
    if (compat && values.recommends) throw new UsageError('--compat rpm-closure follows Requires only');
    const pool = await loadPool(
      repos.map((location, i) => ({ location, priority: values.priority[i] })),
      { archs: values.arch, filelists: !compat && values.filelists },
    );
    let result: Closure;
    const notes = [];
    if (compat) {
      const c = resolveClosureCompat(pool, positionals);
      notes.push(...c.warnings.map((w) => ({ code: 'RPM_COMPAT_WARNING', message: w, chain: [], dependency: null })));
      result = c;
    } else {
      result = resolveClosure(pool, positionals, { weak: values.recommends });
    }
    const doc = closureToJson(result, notes);
    if (values.why !== undefined) return printWhy(() => whyDocument(result, values.why!), doc, format, values.quiet);
    return printClosure(doc, format, () => closureToNix(result, { grouped: values.grouped }), values.quiet);
  },
});

const compareVersions = command({
  name: 'compare-versions',
  summary: 'compare two versions as rpm does: prints -1, 0 or 1',
  usage: 'A B',
  description: 'A and B are [epoch:]version[-release]. With --json: {"a", "b", "result"}.',
  options: {},
  positionals: { min: 2, max: 2 },
  examples: ['distrokit rpm compare-versions 2.0~rc1 2.0'],
  async run({ positionals, format }) {
    const [a, b] = positionals as [string, string];
    const result = compareEVR(a, b);
    await writeStdout(format === 'json' ? `${JSON.stringify({ a, b, result })}\n` : `${result}\n`);
    return EXIT_OK;
  },
});

const info = command({
  name: 'info',
  summary: 'the header of an .rpm (like rpm -qp --qf)',
  usage: 'FILE [--json]',
  description: `Prints name, epoch, version, release, arch, summary, license, build time,
size, payload format and compressor, then Requires/Provides/Conflicts/Obsoletes
with their flags and versions. With --json: the whole parsed header
({name, epoch, version, release, arch, requires: [{name, flags, version}],
files: [{path, size, mode, mtime, digest, linkTarget, flags, user, group}],
scriptlets, …}).`,
  options: {},
  positionals: { min: 1, max: 1, value: file },
  examples: ['distrokit rpm info hello-2.12-1.x86_64.rpm'],
  run: async ({ positionals, format }) => (await import('./package-info.js')).runRpmInfo(positionals[0]!, format === 'json'),
});

export const commands = [closure, compareVersions, info];
