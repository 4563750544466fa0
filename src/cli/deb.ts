/** `distrokit deb …`: Debian closures, version comparison and package info. */
import { createReadStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { DistrokitError } from '../../formats/errors.js';
import { chainTo, type Closure, resolveClosure } from '../deb/closure.js';
import { CompatIndex, resolveClosureCompat } from '../deb/compat-deb-closure.js';
import { installGroups } from '../deb/install-groups.js';
import { closureDocument, type ClosureDocument, renderList, renderNix } from '../deb/output.js';
import { type DebPackage, parsePackagesBatches } from '../deb/packages.js';
import { DebRepository } from '../deb/repository.js';
import { checkVersion, compareParsedVersions, type DebVersion } from '../deb/version.js';
import { EXIT_FAIL, EXIT_OK, EXIT_USAGE, parseUsage, Progress, UsageError, writeStdout } from './common.js';

const HELP = `Usage: distrokit deb <command> [options]

Commands:
  closure            resolve the dependency closure of packages into install groups
  compare-versions   compare two versions like 'dpkg --compare-versions'
  info FILE.deb      control fields of a .deb (like dpkg-deb -f) [--json]

distrokit deb closure --index FILE [--index FILE]… [options] PKG…
  --index FILE         a Packages index (plain, gz, bz2, xz, zst or lz4; detected by content)
  --url-prefix URL     base URL of the pool; once for all indexes, or once per --index
                       (default http://deb.debian.org/debian)
  --arch ARCH          native architecture (default amd64); 'all' packages are always included
  --format FMT         json (default), nix (drop-in for nixpkgs' deb-closure.pl) or list
  --recommends         follow Recommends too
  --essential          add the Essential: yes and Priority: required base
  --compat deb-closure reproduce nixpkgs' deb-closure.pl choices (deterministically)
  --why PKG            explain why PKG is in the closure (the chain from a requested package)
  --quiet              no progress on stderr

distrokit deb compare-versions A OP B
  OP: lt le eq ne ge gt, lt-nl le-nl ge-nl gt-nl (an empty version is later), or < << <= = >= >> >
  Exit status 0 if the relation holds, 1 if not, 2 on bad syntax (as dpkg).

Examples:
  distrokit deb closure --index /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4 bash
  distrokit deb closure --index main/Packages.xz --index security/Packages.xz \\
      --url-prefix http://deb.debian.org/debian --url-prefix http://deb.debian.org/debian-security \\
      --format nix perl make g++ > debs.nix
  distrokit deb closure --index Packages.gz --why libc6 curl
  distrokit deb compare-versions 1.0~rc1 lt 1.0 && echo older
`;

export async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'closure':
      return closureCommand(rest);
    case 'compare-versions':
      return compareVersionsCommand(rest);
    case 'info':
      return (await import('./package-info.js')).runDebInfo(rest);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(HELP);
      return command ? EXIT_OK : EXIT_USAGE;
    default:
      throw new UsageError(`unknown command 'deb ${command}'`);
  }
}

const DEFAULT_URL_PREFIX = 'http://deb.debian.org/debian';

async function closureCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseUsage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        index: { type: 'string', multiple: true },
        'url-prefix': { type: 'string', multiple: true },
        arch: { type: 'string', default: 'amd64' },
        format: { type: 'string', default: 'json' },
        json: { type: 'boolean' },
        recommends: { type: 'boolean' },
        essential: { type: 'boolean' },
        compat: { type: 'string' },
        why: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT_OK;
  }
  const indexes = values.index ?? [];
  if (indexes.length === 0) throw new UsageError('deb closure needs at least one --index FILE');
  if (positionals.length === 0 && !values.essential) throw new UsageError('deb closure needs at least one package name (or --essential)');
  const format = values.json ? 'json' : values.format!;
  if (!['json', 'nix', 'list'].includes(format)) throw new UsageError(`unknown --format '${format}' (json, nix or list)`);
  if (values.compat !== undefined && values.compat !== 'deb-closure') throw new UsageError(`unknown --compat '${values.compat}' (only deb-closure)`);
  const prefixes = values['url-prefix'] ?? [DEFAULT_URL_PREFIX];
  if (prefixes.length !== 1 && prefixes.length !== indexes.length)
    throw new UsageError(`give --url-prefix once, or once per --index (${indexes.length}), not ${prefixes.length} times`);
  const prefixOf = (pkg: DebPackage) => prefixes[prefixes.length === 1 ? 0 : pkg.origin.index];
  const progress = new Progress({ quiet: values.quiet, json: format === 'json' });

  let doc: ClosureDocument;
  let closure: Closure | undefined;
  if (values.compat) {
    if (values.recommends || values.essential) throw new UsageError('--compat deb-closure follows Depends and Pre-Depends only');
    const index = new CompatIndex();
    for (const [i, path] of indexes.entries()) {
      progress.update(`reading ${path}`, true);
      for await (const batch of parsePackagesBatches(createReadStream(path, { highWaterMark: 256 * 1024 }), { file: path, index: i })) {
        for (const pkg of batch) index.add(pkg);
      }
    }
    const result = resolveClosureCompat(index, positionals);
    doc = closureDocument(positionals, result.groups, prefixOf);
  } else {
    const repo = new DebRepository({ arch: values.arch });
    progress.update(`reading ${indexes.join(', ')}`, true);
    await repo.addIndexes(indexes.map((path) => ({ path })));
    progress.update(`resolving the closure of ${positionals.length} package(s) among ${repo.size}`, true);
    closure = resolveClosure(repo, positionals, { recommends: values.recommends, essential: values.essential });
    doc = closureDocument(positionals, installGroups(closure), prefixOf);
    if (closure.problems.length > 0) doc.problems = closure.problems.map((p) => ({ code: p.code, message: p.message, chain: p.chain.map((c) => c.name) }));
  }
  progress.done();

  if (values.why !== undefined) return explainWhy(values.why, closure, doc);
  if (format === 'json') await writeStdout(`${JSON.stringify(doc, null, 2)}\n`);
  else if (format === 'nix') await writeStdout(renderNix(doc));
  else await writeStdout(renderList(doc));
  if (doc.problems?.length) {
    for (const p of doc.problems) process.stderr.write(`distrokit: ${p.code}: ${p.message}\n`);
    return EXIT_FAIL;
  }
  process.stderr.write(`${values.quiet ? '' : `distrokit: ${doc.packages.length} packages in ${doc.groups.length} install groups\n`}`);
  return EXIT_OK;
}

/** Prints the chain of dependencies that brought `name` into the closure. */
async function explainWhy(name: string, closure: Closure | undefined, doc: ClosureDocument): Promise<number> {
  if (!closure) throw new UsageError('--why is not available with --compat deb-closure');
  const problem = closure.problems.find((p) => p.chain.some((c) => c.name === name));
  const pkg = closure.packages.find((p) => p.name === name);
  if (!pkg) {
    if (problem) {
      await writeStdout(`${problem.message}\n`);
      return EXIT_FAIL;
    }
    await writeStdout(`${name} is not in the closure of ${doc.requested.join(' ')}\n`);
    return EXIT_FAIL;
  }
  const chain = chainTo(pkg, closure.reasons);
  const lines = chain.map((p, i) => {
    const r = closure.reasons.get(p)!;
    if (i === 0) return `${p.name} ${p.version} (${r.kind})`;
    return `${'  '.repeat(i)}→ ${p.name} ${p.version} (${r.field}: ${r.dependency})`;
  });
  await writeStdout(`${lines.join('\n')}\n`);
  return EXIT_OK;
}

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

/** dpkg --compare-versions: exit 0 when the relation holds, 1 when not, 2 on bad syntax. */
async function compareVersionsCommand(args: string[]): Promise<number> {
  const positional = args[0] === '--' ? args.slice(1) : args;
  if (positional.length !== 3) {
    process.stderr.write('distrokit: usage: distrokit deb compare-versions A OP B\n');
    return EXIT_USAGE;
  }
  const [a, opName, b] = positional as [string, string, string];
  const nl = opName.endsWith('-nl');
  const op = OPS[nl ? opName.slice(0, -3) : opName];
  if (!op || (nl && !['lt', 'le', 'ge', 'gt'].includes(opName.slice(0, -3)))) {
    process.stderr.write(`distrokit: unknown operator '${opName}'\n`);
    return EXIT_USAGE;
  }
  const parse = (v: string): DebVersion | null => {
    if (v === '' || v === '<unknown>') return null;
    const checked = checkVersion(v);
    if (checked.problem?.severity === 'warning') process.stderr.write(`distrokit: warning: version '${v}' has bad syntax: ${checked.problem.message}\n`);
    if (!checked.version) throw new DistrokitError('DEB_BAD_VERSION', `version '${v}' has bad syntax: ${checked.problem!.message}`);
    return checked.version;
  };
  let va: DebVersion | null;
  let vb: DebVersion | null;
  try {
    va = parse(a);
    vb = parse(b);
  } catch (err) {
    process.stderr.write(`distrokit: error: ${(err as Error).message}\n`);
    return EXIT_USAGE;
  }
  // An empty version is the oldest, except with the '-nl' operators where it is the newest (dpkg).
  let cmp: number;
  if (va && vb) cmp = compareParsedVersions(va, vb);
  else if (!va && !vb) cmp = 0;
  else if (nl) cmp = va ? -1 : 1;
  else cmp = compareParsedVersions(va ?? { epoch: 0, upstream: '', revision: '' }, vb ?? { epoch: 0, upstream: '', revision: '' });
  return op(cmp) ? EXIT_OK : EXIT_FAIL;
}
