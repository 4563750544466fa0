/** `distrokit archive`: list and extract .deb, .rpm, tar, cpio and ar archives. */
import { parseArgs } from 'node:util';
import { openArchive } from '../tree/archive.js';
import { SpoolStore } from '../tree/content-store.js';
import { addEntriesToTree } from '../tree/from-entries.js';
import { listArchive, type ListingRow } from '../tree/listing.js';
import { writeTreeToDirectory } from '../tree/sink-dir.js';
import { Tree, type ConflictPolicy } from '../tree/tree.js';
import { EXIT_OK, EXIT_USAGE, parseUsage, UsageError, writeStdout } from './common.js';

const HELP = `distrokit archive — read package archives

Usage:
  distrokit archive list FILE [--json]
  distrokit archive extract FILE DIR [--policy last-wins|error] [--max-output BYTES] [--json]

FILE is a .deb, .rpm, tar (plain or gzip/bzip2/xz/zstd/lz4), cpio (newc, crc,
odc) or ar archive, recognised by its content. For packages the payload is
listed (data.tar of a .deb, the cpio of an .rpm).

list prints one entry per line (mode, owner, size, mtime, path); with --json a
document {file, format, compression, entries: [{path, type, mode, uid, gid,
size, mtime, linkTarget, sha256, …}]}.

extract builds the tree in memory (contents spooled to a temporary file) and
writes it into DIR, which must be empty or absent. Paths with '..' are refused,
absolute paths land under DIR, symlinks are never written through; device
nodes, FIFOs, sockets and xattrs cannot be created without native code and are
reported as skipped.

Examples:
  distrokit archive list bash_5.2.15-2+b7_amd64.deb
  distrokit archive list --json hello-2.10-1.x86_64.rpm > listing.json
  distrokit archive extract initrd.cpio.gz /tmp/initrd
`;

export async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (!command || command === '--help' || command === '-h') {
    process.stdout.write(HELP);
    return command ? EXIT_OK : EXIT_USAGE;
  }
  if (command === 'list') return runList(rest);
  if (command === 'extract') return runExtract(rest);
  throw new UsageError(`unknown archive command '${command}'`);
}

function modeString(row: ListingRow): string {
  const typeChar: Record<string, string> = { file: '-', dir: 'd', symlink: 'l', hardlink: 'h', chardev: 'c', blockdev: 'b', fifo: 'p', socket: 's' };
  const mode = parseInt(row.mode, 8);
  const bits = 'rwxrwxrwx'
    .split('')
    .map((c, i) => (mode & (1 << (8 - i)) ? c : '-'))
    .join('');
  return typeChar[row.type] + bits + (mode & 0o7000 ? ` (${row.mode})` : '');
}

async function runList(args: string[]): Promise<number> {
  const { values, positionals } = parseUsage(() =>
    parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }),
  );
  if (values.help) return (process.stdout.write(HELP), EXIT_OK);
  if (positionals.length !== 1) throw new UsageError('archive list takes one FILE');
  const file = positionals[0]!;
  const archive = await openArchive(file);
  if (values.json) {
    await writeStdout(`{"file":${JSON.stringify(file)},"format":"${archive.format}","compression":"${archive.compression}","entries":[`);
    let first = true;
    for await (const row of listArchive(archive.entries)) {
      await writeStdout(`${first ? '\n' : ',\n'}${JSON.stringify(row)}`);
      first = false;
    }
    await writeStdout('\n]}\n');
    return EXIT_OK;
  }
  for await (const row of listArchive(archive.entries)) {
    const owner = `${row.uname ?? row.uid}/${row.gname ?? row.gid}`;
    const time = new Date(row.mtime * 1000).toISOString().slice(0, 19).replace('T', ' ');
    const link = row.type === 'symlink' ? ` -> ${row.linkTarget}` : row.type === 'hardlink' ? ` link to ${row.linkTarget}` : '';
    await writeStdout(`${modeString(row)} ${owner} ${String(row.size).padStart(10)} ${time} ${row.path}${link}\n`);
  }
  return EXIT_OK;
}

async function runExtract(args: string[]): Promise<number> {
  const { values, positionals } = parseUsage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, policy: { type: 'string' }, 'max-output': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }),
  );
  if (values.help) return (process.stdout.write(HELP), EXIT_OK);
  if (positionals.length !== 2) throw new UsageError('archive extract takes FILE and DIR');
  const [file, dir] = positionals as [string, string];
  const policy = parsePolicy(values.policy);
  const maxOutput = values['max-output'] === undefined ? undefined : Number(values['max-output']);
  if (maxOutput !== undefined && !(maxOutput > 0)) throw new UsageError('--max-output takes a positive number of bytes');
  const tree = new Tree({ policy });
  const store = new SpoolStore();
  try {
    const archive = await openArchive(file, { maxOutput });
    const entries = await addEntriesToTree(tree, archive.entries, { owner: archive.owner ?? file, store, file });
    await store.flush();
    const result = await writeTreeToDirectory(tree, dir);
    if (values.json) await writeStdout(`${JSON.stringify({ file, format: archive.format, entries, ...result, conflicts: tree.conflicts })}\n`);
    else {
      for (const s of result.skipped) process.stderr.write(`distrokit: skipped ${s.path}: ${s.what}\n`);
      await writeStdout(`${entries} entries: ${result.files} files, ${result.dirs} directories, ${result.symlinks} symlinks, ${result.hardlinks} hard links, ${result.bytes} bytes into ${dir}\n`);
    }
  } finally {
    await store.close();
  }
  return EXIT_OK;
}

export function parsePolicy(value: string | undefined): ConflictPolicy {
  if (value === undefined || value === 'last-wins' || value === 'error') return value ?? 'last-wins';
  throw new UsageError(`--policy takes 'last-wins' or 'error', not '${value}'`);
}
