/** `distrokit rpm …`: closures over RPM repositories and rpm version comparison. */
import { parseArgs } from 'node:util';
import { closureToJson, closureToList, closureToNix, explain, resolveClosure, type Closure } from '../rpm/closure.js';
import { resolveClosureCompat } from '../rpm/compat.js';
import { loadPool } from '../rpm/repository.js';
import { compareEVR } from '../rpm/vercmp.js';
import { EXIT_OK, EXIT_USAGE, parseUsage, UsageError, writeStdout } from './common.js';

const HELP = `distrokit rpm — RPM repositories

Usage:
  distrokit rpm closure --repo DIR_OR_URL [--repo …] [options] PKG…
  distrokit rpm compare-versions A B
  distrokit rpm info FILE.rpm [--json]     header fields of an .rpm (like rpm -qp --qf)

closure: the packages to install for PKG… (names, name.arch, or anything
provided: virtual names, file paths), chosen like dnf/libsolv: repository
priority, not obsoleted, best architecture (noarch neutral), then name, then
the newest version. A repository is a directory or URL holding
repodata/repomd.xml, or a bare primary.xml[.gz|.bz2|.xz|.zst].
  --repo DIR_OR_URL      repository (repeatable, in priority-tie order)
  --priority N           priority of the --repo at the same position (repeatable;
                         lower wins, default 99)
  --arch LIST            accepted architectures, best first (default x86_64,noarch;
                         add i686 for multilib)
  --filelists            read filelists.xml too (file dependencies outside primary)
  --weak                 follow Recommends (best effort)
  --format F             json | nix | list (default list)
  --grouped              nix: a list of lists, one per install group
  --compat rpm-closure   reproduce nixpkgs' rpm-closure.pl choices (its quirks included)
  --why PKG              print the chain of requirements that pulls PKG in
  --json                 same as --format json

compare-versions: prints -1, 0 or 1 as rpm compares [epoch:]version[-release].
  --json                 {"a", "b", "result"}

Examples:
  distrokit rpm closure --repo ./repo --format nix bash coreutils > closure.nix
  distrokit rpm closure --repo https://mirror/fedora/43/Everything/x86_64/os --filelists --why glibc dnf
  distrokit rpm closure --repo base --priority 10 --repo updates --priority 5 --arch x86_64,i686,noarch glibc.i686
  distrokit rpm compare-versions 2.0~rc1 2.0
`;

export async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (!command || command === '--help' || command === '-h') {
    process.stdout.write(HELP);
    return command ? EXIT_OK : EXIT_USAGE;
  }
  if (command === 'closure') return closure(rest);
  if (command === 'compare-versions') return compareVersions(rest);
  if (command === 'info') return (await import('./package-info.js')).runRpmInfo(rest);
  throw new UsageError(`unknown rpm command '${command}'`);
}

async function compareVersions(args: string[]): Promise<number> {
  const { values, positionals } = parseUsage(() =>
    parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }),
  );
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT_OK;
  }
  if (positionals.length !== 2) throw new UsageError('compare-versions takes exactly two versions');
  const [a, b] = positionals as [string, string];
  const result = compareEVR(a, b);
  await writeStdout(values.json ? `${JSON.stringify({ a, b, result })}\n` : `${result}\n`);
  return EXIT_OK;
}

async function closure(args: string[]): Promise<number> {
  const { values, positionals } = parseUsage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        repo: { type: 'string', multiple: true },
        priority: { type: 'string', multiple: true },
        arch: { type: 'string' },
        filelists: { type: 'boolean' },
        weak: { type: 'boolean' },
        format: { type: 'string' },
        grouped: { type: 'boolean' },
        compat: { type: 'string' },
        why: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT_OK;
  }
  const repos = values.repo ?? [];
  if (repos.length === 0) throw new UsageError('closure needs at least one --repo');
  if (positionals.length === 0) throw new UsageError('closure needs at least one package');
  const format = values.json ? 'json' : (values.format ?? 'list');
  if (!['json', 'nix', 'list'].includes(format)) throw new UsageError(`unknown --format '${format}' (json, nix or list)`);
  if (values.compat !== undefined && values.compat !== 'rpm-closure') throw new UsageError(`unknown --compat '${values.compat}' (rpm-closure)`);
  const priorities = (values.priority ?? []).map((p) => {
    if (!/^-?\d+$/.test(p)) throw new UsageError(`--priority '${p}' is not an integer`);
    return Number(p);
  });
  if (priorities.length > repos.length) throw new UsageError('more --priority than --repo');
  const archs = values.arch ? values.arch.split(',').map((a) => a.trim()).filter(Boolean) : undefined;
  const compat = values.compat === 'rpm-closure';

  const pool = await loadPool(
    repos.map((location, i) => ({ location, priority: priorities[i] })),
    { archs, filelists: !compat && !!values.filelists },
  );
  let result: Closure;
  if (compat) {
    const c = resolveClosureCompat(pool, positionals);
    for (const w of c.warnings) process.stderr.write(`warning: ${w}\n`);
    result = c;
  } else {
    result = resolveClosure(pool, positionals, { weak: !!values.weak });
    if (format !== 'json') for (const u of result.unresolved) process.stderr.write(`warning: ${u.dependency} (needed by ${u.requiredBy}) unresolved: ${u.hint}\n`);
  }
  if (values.why !== undefined) {
    const chain = explain(result, values.why);
    await writeStdout(format === 'json' ? `${JSON.stringify({ why: values.why, chain })}\n` : `${chain.join('\n')}\n`);
    return EXIT_OK;
  }
  if (format === 'json') await writeStdout(`${JSON.stringify(closureToJson(result), null, 2)}\n`);
  else if (format === 'nix') await writeStdout(closureToNix(result, { grouped: !!values.grouped }));
  else await writeStdout(closureToList(result));
  return EXIT_OK;
}
