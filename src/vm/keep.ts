/**
 * Keeping a run: the run directory (kernel, initrd, disks, console log, port
 * files) is moved into the cache, under vm/runs/<UTC time>-<pid>, and a
 * `run-vm` script is written there that boots the same VM again with the
 * console on the terminal and `distrokit.interactive=1`: stage 1 sets up the
 * same disks (image, /in, /out) and starts a shell instead of the command.
 */
import { chmod, copyFile, mkdir, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { DistrokitError } from '../../formats/errors.js';
import { cacheDir } from '../fetch/cache.js';
import { shellQuote } from '../initrd/stage1.js';
import { type MachineOptions, type RunDisks, runQemuArgs } from './run-args.js';

export interface KeptRun {
  dir: string;
  /** The script that re-enters the VM. */
  runVm: string;
}

export interface RunToKeep {
  workDir: string;
  kernel: string;
  initrd: string;
  disks: RunDisks;
  machine: MachineOptions;
  accel: 'kvm' | 'tcg';
  qemu: string;
}

/** A name for a kept run: the UTC time and this process's id. */
function runName(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${process.pid}`;
}

const inside = (dir: string, path: string) => !relative(dir, path).startsWith('..') && !relative(dir, path).startsWith('/');

/** Moves the run directory into the cache and writes run-vm there. */
export async function keepRun(run: RunToKeep): Promise<KeptRun> {
  const dir = cacheDir('vm', 'runs', runName());
  try {
    await mkdir(dirname(dir), { recursive: true });
    await moveDirectory(run.workDir, dir);
    // The kernel and initrd may live outside the run directory (a --kernel vmlinuz, a cached initrd): copy them in.
    const local = async (path: string): Promise<string> => {
      if (inside(run.workDir, path)) return relative(run.workDir, path);
      await copyFile(path, join(dir, basename(path)));
      return basename(path);
    };
    const kernel = await local(run.kernel);
    const initrd = await local(run.initrd);
    const disks: RunDisks = {
      ...(run.disks.image && { image: run.disks.image }),
      ...(run.disks.in && { in: relative(run.workDir, run.disks.in) }),
      ...(run.disks.out && { out: relative(run.workDir, run.disks.out) }),
    };
    const args = runQemuArgs(kernel, initrd, null, run.machine, run.accel, disks);
    const runVm = join(dir, 'run-vm');
    await writeFile(runVm, runVmScript(run.qemu, args, run.disks));
    await chmod(runVm, 0o755);
    return { dir, runVm };
  } catch (err) {
    throw DistrokitError.wrap(err, 'VM_KEEP_FAILED', { file: dir });
  }
}

function runVmScript(qemu: string, args: string[], disks: RunDisks): string {
  const notes = [
    disks.image && (disks.image.write ? `# The image ${disks.image.path} is written to (as the run did).` : `# The image ${disks.image.path} is used copy-on-write: it is not changed.`),
    disks.out && '# /out is written to out.img as a tar stream when the shell exits.',
  ].filter(Boolean);
  return `#!/bin/sh
# Re-enters the VM of a kept \`distrokit vm run\`: the same kernel, initrd and
# disks, with the console on this terminal. Stage 1 sets everything up (image,
# /in, /out) and starts a shell instead of the command; exiting the shell
# unmounts everything and powers off. Ctrl-A x quits QEMU at once.
${notes.join('\n')}${notes.length ? '\n' : ''}cd "$(dirname "$0")" || exit 1
exec ${[qemu, ...args].map(shellQuote).join(' \\\n  ')}
`;
}

/** rename(2), or across filesystems a copy that keeps sparse files sparse (the 4 GiB output disk), then removal. */
async function moveDirectory(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
  }
  await copySparseTree(from, to);
  await rm(from, { recursive: true, force: true });
}

/** Copies a directory tree of plain files and directories; all-zero MiB chunks of the files stay holes. */
export async function copySparseTree(from: string, to: string): Promise<void> {
  await mkdir(to);
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) await copySparseTree(source, target);
    else if (entry.isFile()) await copySparseFile(source, target);
  }
}

const CHUNK = 1 << 20;

/** Copies a file, skipping all-zero chunks (they stay holes) and setting the size at the end. */
async function copySparseFile(from: string, to: string): Promise<void> {
  const input = await open(from, 'r');
  const output = await open(to, 'wx');
  try {
    const buffer = Buffer.alloc(CHUNK);
    const zero = Buffer.alloc(CHUNK);
    let position = 0;
    for (;;) {
      const { bytesRead } = await input.read(buffer, 0, CHUNK, position);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      if (!chunk.equals(zero.subarray(0, bytesRead))) await output.write(chunk, 0, bytesRead, position);
      position += bytesRead;
    }
    await output.truncate(position);
  } finally {
    await input.close();
    await output.close();
  }
}
