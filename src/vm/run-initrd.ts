/**
 * The per-run initrd: a small uncompressed newc archive of the run's own
 * files (the command script), then the cached base initrd, in one file for
 * QEMU's -initrd. Linux unpacks concatenated archives in order into the same
 * rootfs; the per-run archive goes first because the kernel cannot find the
 * end of an LZ4 (legacy) archive to go on after it ("Initramfs unpacking
 * failed: Decoding failed" when one is appended to it). The base holds none
 * of the per-run paths, so nothing overwrites them.
 */
import { createReadStream } from 'node:fs';
import { writeOutputFile } from '../tree/output-file.js';
import type { DirNode } from '../tree/types.js';
import { buildInitrd } from '../initrd/build.js';
import { DistrokitError } from '../../formats/errors.js';
import { addPath, shellQuote } from '../initrd/stage1.js';

/** A shell variable name: what `export NAME=…` accepts. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface CommandContext {
  /** Environment variables set for the command, in order (NAME must be a shell variable name). */
  env?: readonly (readonly [name: string, value: string])[];
  /** Directory the command runs in (default: the guest's /). */
  workdir?: string;
}

/**
 * The guest's command script: an optional `cd` (a missing directory fails the
 * run with the shell's message on the command's stderr and status 2), the
 * `export`s, then argv as one command line (each word quoted: exec semantics,
 * no re-splitting).
 */
export function commandLine(argv: readonly string[], context: CommandContext = {}): string {
  const lines: string[] = [];
  if (context.workdir !== undefined) lines.push(`cd ${shellQuote(context.workdir)} || exit 2`);
  for (const [name, value] of context.env ?? []) {
    if (!ENV_NAME.test(name)) throw new DistrokitError('VM_BAD_ENV', `environment variable name ${JSON.stringify(name)} is not a shell variable name`, { entry: name });
    lines.push(`export ${shellQuote(`${name}=${value}`)}`);
  }
  lines.push(argv.map(shellQuote).join(' '));
  return lines.join('\n');
}

/** Files of the per-run archive, by path; the base initrd must not have them. */
export const PER_RUN_PATHS = ['distrokit/command'] as const;

export interface RunFile {
  path: (typeof PER_RUN_PATHS)[number];
  text: string;
  perm: number;
}

/** The run's files: the command script that stage 1 runs (/distrokit/command). */
export function runFiles(argv: readonly string[], context: CommandContext = {}): RunFile[] {
  return [{ path: 'distrokit/command', text: `${commandLine(argv, context)}\n`, perm: 0o755 }];
}

function runTree(files: readonly RunFile[]): DirNode {
  const meta = { perm: 0o755, uid: 0, gid: 0, mtime: { sec: 0, nsec: 0 } };
  const root: DirNode = { ...meta, type: 'dir', children: new Map() };
  for (const f of files) {
    const data = new TextEncoder().encode(f.text);
    addPath(root, f.path, { ...meta, perm: f.perm, type: 'file', size: data.length, content: { kind: 'bytes', data } });
  }
  return root;
}

/** Writes `out`: the run's files as an uncompressed archive, then the base initrd. */
export async function writeRunInitrd(base: string, files: readonly RunFile[], out: string): Promise<void> {
  await writeOutputFile(out, 'VM_BOOT_CACHE', async (fh) => {
    // The cpio writer pads to 512 bytes, so the base starts 4-byte aligned as the kernel requires.
    for await (const chunk of buildInitrd(runTree(files), { compression: 'none' })) await fh.write(chunk);
    for await (const chunk of createReadStream(base, { highWaterMark: 1 << 20 })) await fh.write(chunk as Buffer);
  });
}
