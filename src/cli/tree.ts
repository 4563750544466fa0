/** `distrokit tree`: lay several packages into one filesystem tree. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { addPackagesToTree } from '../tree/packages-parallel.js';
import { SpoolStore } from '../tree/content-store.js';
import { addMergedUsr, addPackageToTree } from '../tree/packages.js';
import { writeTreeToDirectory } from '../tree/sink-dir.js';
import { Tree } from '../tree/tree.js';
import { parsePolicy } from './archive.js';
import { EXIT_OK, EXIT_USAGE, parseUsage, Progress, UsageError, writeStdout } from './common.js';

const HELP = `distrokit tree — build one filesystem tree from packages

Usage:
  distrokit tree merge --out DIR [--policy last-wins|error] [--merged-usr] [--jobs N] [--json] PKG…

merge unpacks each package (.deb, .rpm, or any archive 'archive list' reads)
in the given order into one tree, as the seed's fillDiskWithDebs /
fillDiskWithRPMs unpack steps do, and writes it into DIR (empty or absent).
Two packages putting a non-directory at one path is a conflict: with
--policy last-wins (default) the later package wins and the conflict is
reported; with --policy error the merge stops naming both packages.
--merged-usr first makes /bin, /sbin, /lib, /lib64 symlinks to /usr/… (as
nixpkgs' unifiedSystemDir for RPM distributions), so packages' /bin/x land
in /usr/bin/x. --jobs N decodes packages on N worker threads (default: the
number of CPUs, at most 4; 1 decodes on the main thread); the result does not
depend on N: packages are always laid in the given order.

Examples:
  distrokit tree merge --out /tmp/root ./debs/*.deb
  distrokit tree merge --out /tmp/root --merged-usr --policy error ./rpms/*.rpm
`;

export async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (!command || command === '--help' || command === '-h') {
    process.stdout.write(HELP);
    return command ? EXIT_OK : EXIT_USAGE;
  }
  if (command !== 'merge') throw new UsageError(`unknown tree command '${command}'`);
  const { values, positionals } = parseUsage(() =>
    parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        policy: { type: 'string' },
        'merged-usr': { type: 'boolean' },
        jobs: { type: 'string', short: 'j' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help) return (process.stdout.write(HELP), EXIT_OK);
  if (!values.out) throw new UsageError('tree merge needs --out DIR');
  if (positionals.length === 0) throw new UsageError('tree merge needs at least one package');
  const tree = new Tree({ policy: parsePolicy(values.policy) });
  if (values['merged-usr']) addMergedUsr(tree);
  const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1)) throw new UsageError('--jobs takes a positive integer');
  const spoolDir = mkdtempSync(join(tmpdir(), 'distrokit-merge-'));
  const store = new SpoolStore({ dir: spoolDir });
  const progress = new Progress({ json: values.json });
  let packages: { file: string; owner: string; entries: number }[] = [];
  try {
    if (jobs === 1 || positionals.length === 1) {
      for (const [i, file] of positionals.entries()) {
        progress.update(`[${i + 1}/${positionals.length}] ${file}`);
        packages.push({ file, ...(await addPackageToTree(tree, file, { store })) });
      }
    } else {
      packages = await addPackagesToTree(tree, positionals, {
        spoolDir,
        jobs,
        onPackage: (file, i) => progress.update(`[${i + 1}/${positionals.length}] ${file}`),
      });
    }
    await store.flush();
    progress.update(`writing ${values.out}`, true);
    const result = await writeTreeToDirectory(tree, values.out);
    progress.done();
    if (values.json) await writeStdout(`${JSON.stringify({ out: values.out, packages, ...result, conflicts: tree.conflicts })}\n`);
    else {
      for (const c of tree.conflicts)
        process.stderr.write(`distrokit: conflict at ${c.path}: ${c.incoming.type} from ${c.incoming.owner} replaced ${c.existing.type} from ${c.existing.owner}\n`);
      await writeStdout(`${packages.length} packages: ${result.files} files, ${result.dirs} directories, ${result.symlinks} symlinks, ${result.hardlinks} hard links, ${result.bytes} bytes into ${values.out}\n`);
    }
  } finally {
    await store.close();
    rmSync(spoolDir, { recursive: true, force: true });
  }
  return EXIT_OK;
}
