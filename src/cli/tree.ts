/** `distrokit tree`: lay several packages into one filesystem tree. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addPackagesToTree } from '../tree/packages-parallel.js';
import { SpoolStore } from '../tree/content-store.js';
import { addMergedUsr, addPackageToTree } from '../tree/packages.js';
import { writeTreeToDirectory } from '../tree/sink-dir.js';
import { type ConflictPolicy, Tree } from '../tree/tree.js';
import { CONFLICT_POLICY } from './archive.js';
import { EXIT_OK, Progress, UsageError, writeStdout } from './common.js';
import { command, invoke } from './dispatch.js';
import { dir, file, integer } from './options.js';

const merge = command({
  name: 'merge',
  summary: 'unpack packages in order into one tree and write it into a directory',
  usage: '--out DIR [--policy last-wins|error] [--merged-usr] [--jobs N] [--json] PKG…',
  description: `merge unpacks each package (.deb, .rpm, or any archive 'archive list' reads)
in the given order into one tree, as the seed's fillDiskWithDebs /
fillDiskWithRPMs unpack steps do, and writes it into DIR (empty or absent).
Two packages putting a non-directory at one path is a conflict: with
--policy last-wins (default) the later package wins and the conflict is
reported; with --policy error the merge stops naming both packages.
--merged-usr first makes /bin, /sbin, /lib, /lib64 symlinks to /usr/… (as
nixpkgs' unifiedSystemDir for RPM distributions), so packages' /bin/x land
in /usr/bin/x. --jobs N decodes packages on N worker threads (default: the
number of CPUs, at most 4; 1 decodes on the main thread); the result does not
depend on N: packages are always laid in the given order.`,
  options: {
    out: { value: dir, help: 'directory to write (empty or absent)' },
    policy: { value: CONFLICT_POLICY, default: 'last-wins', help: 'a path two packages put a file at: the later wins (default), or stop' },
    'merged-usr': { help: '/bin, /sbin, /lib, /lib64 link into /usr first' },
    jobs: { value: integer(1, 64), short: 'j', help: 'worker threads decoding packages (1-64; 1: the main thread)' },
  },
  positionals: { min: 1, value: file },
  examples: ['distrokit tree merge --out /tmp/root ./debs/*.deb', 'distrokit tree merge --out /tmp/root --merged-usr --policy error ./rpms/*.rpm'],
  run: ({ values, positionals, format }) => mergeCommand(values, positionals, format === 'json'),
});

export const commands = [merge];

/** In-process entry (tests): errors are thrown, not printed. */
export const run = (args: string[]): Promise<number> => invoke('tree', commands, args);

async function mergeCommand(
  values: { out: string | undefined; policy: ConflictPolicy; 'merged-usr': boolean; jobs: number | undefined },
  positionals: string[],
  json: boolean,
): Promise<number> {
  if (!values.out) throw new UsageError('tree merge needs --out DIR');
  const tree = new Tree({ policy: values.policy });
  if (values['merged-usr']) addMergedUsr(tree);
  const jobs = values.jobs;
  const spoolDir = mkdtempSync(join(tmpdir(), 'distrokit-merge-'));
  const store = new SpoolStore({ dir: spoolDir });
  const progress = new Progress({ json });
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
        onPackage: ({ file, index, total }) => progress.update(`[${index + 1}/${total}] ${file}`),
      });
    }
    await store.flush();
    progress.update(`writing ${values.out}`, true);
    const result = await writeTreeToDirectory(tree, values.out);
    progress.done();
    if (json) await writeStdout(`${JSON.stringify({ out: values.out, packages, ...result, conflicts: tree.conflicts })}\n`);
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
