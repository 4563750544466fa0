/** `distrokit archive`: list and extract .deb, .rpm, tar, cpio and ar archives. */
import { openArchive } from '../tree/archive.js';
import { SpoolStore } from '../tree/content-store.js';
import { addEntriesToTree } from '../tree/from-entries.js';
import { listArchive, type ListingRow } from '../tree/listing.js';
import { writeTreeToDirectory } from '../tree/sink-dir.js';
import { Tree, type ConflictPolicy } from '../tree/tree.js';
import { EXIT_OK, writeStdout } from './common.js';
import { command, invoke } from './dispatch.js';
import { bytes, file, oneOf, path } from './options.js';

/** How a path given twice is handled (archive extract, tree merge). */
export const CONFLICT_POLICY = oneOf(['last-wins', 'error'] as const satisfies readonly ConflictPolicy[]);

const list = command({
  name: 'list',
  summary: 'list the entries of an archive (the payload of a package)',
  usage: 'FILE [--json]',
  description: `FILE is a .deb, .rpm, tar (plain or gzip/bzip2/xz/zstd/lz4), cpio (newc, crc,
odc) or ar archive, recognised by its content. For packages the payload is
listed (data.tar of a .deb, the cpio of an .rpm). One entry per line (mode,
owner, size, mtime, path); with --json a document {file, format, compression,
entries: [{path, type, mode, uid, gid, size, mtime, linkTarget, sha256, …}]}.`,
  options: {},
  positionals: { min: 1, max: 1, value: file },
  examples: ['distrokit archive list bash_5.2.15-2+b7_amd64.deb', 'distrokit archive list --json hello-2.10-1.x86_64.rpm > listing.json'],
  run: ({ positionals, format }) => runList(positionals[0]!, format === 'json'),
});

const extract = command({
  name: 'extract',
  summary: 'extract an archive into an empty directory',
  usage: 'FILE DIR [--policy last-wins|error] [--max-output BYTES] [--json]',
  description: `Builds the tree in memory (contents spooled to a temporary file) and writes it
into DIR, which must be empty or absent. Paths with '..' are refused, absolute
paths land under DIR, symlinks are never written through; device nodes, FIFOs,
sockets and xattrs cannot be created without native code and are reported as
skipped.`,
  options: {
    policy: { value: CONFLICT_POLICY, default: 'last-wins', help: 'a path given twice: the later entry wins (default), or stop' },
    'max-output': { value: bytes, help: 'refuse to decompress more than BYTES (K/M/G/T suffix ok)' },
  },
  positionals: { min: 2, max: 2, value: path },
  examples: ['distrokit archive extract initrd.cpio.gz /tmp/initrd'],
  run: ({ values, positionals, format }) => runExtract(positionals[0]!, positionals[1]!, values.policy, values['max-output'], format === 'json'),
});

export const commands = [list, extract];

/** In-process entry (tests): errors are thrown, not printed. */
export const run = (args: string[]): Promise<number> => invoke('archive', commands, args);

function modeString(row: ListingRow): string {
  const typeChar: Record<string, string> = { file: '-', dir: 'd', symlink: 'l', hardlink: 'h', chardev: 'c', blockdev: 'b', fifo: 'p', socket: 's' };
  const mode = parseInt(row.mode, 8);
  const bits = 'rwxrwxrwx'
    .split('')
    .map((c, i) => (mode & (1 << (8 - i)) ? c : '-'))
    .join('');
  return typeChar[row.type] + bits + (mode & 0o7000 ? ` (${row.mode})` : '');
}

async function runList(file: string, json: boolean): Promise<number> {
  const archive = await openArchive(file);
  if (json) {
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

async function runExtract(file: string, dir: string, policy: ConflictPolicy, maxOutput: number | undefined, json: boolean): Promise<number> {
  const tree = new Tree({ policy });
  const store = new SpoolStore();
  try {
    const archive = await openArchive(file, { maxOutput });
    const entries = await addEntriesToTree(tree, archive.entries, { owner: archive.owner ?? file, store, file });
    await store.flush();
    const result = await writeTreeToDirectory(tree, dir);
    if (json) await writeStdout(`${JSON.stringify({ file, format: archive.format, entries, ...result, conflicts: tree.conflicts })}\n`);
    else {
      for (const s of result.skipped) process.stderr.write(`distrokit: skipped ${s.path}: ${s.what}\n`);
      await writeStdout(`${entries} entries: ${result.files} files, ${result.dirs} directories, ${result.symlinks} symlinks, ${result.hardlinks} hard links, ${result.bytes} bytes into ${dir}\n`);
    }
  } finally {
    await store.close();
  }
  return EXIT_OK;
}

