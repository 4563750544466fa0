/** `distrokit initrd …`: build reproducible initrds and kernel-module closures. */
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { DistrokitError } from '../../formats/errors.js';
import { INITRD_COMPRESSIONS, type InitrdCompression, buildInitrd } from '../initrd/build.js';
import { treeFromDirectory } from '../tree/from-dir.js';
import { computeModuleClosure, insmodList, writeModuleClosure } from '../initrd/modules.js';
import { treeFromSpec } from '../initrd/spec.js';
import { SpoolStore } from '../tree/content-store.js';
import { layPackages } from '../tree/packages.js';
import type { DirNode } from '../tree/types.js';
import { sourceDateEpochOption } from './epoch-option.js';
import { EXIT_OK, EXIT_USAGE, UsageError, parseUsage, writeStdout } from './common.js';

const HELP = `distrokit initrd — reproducible initramfs archives and kernel-module closures

Commands:
  build    Write a cpio (newc) initrd from a directory or a gen_init_cpio spec
  modules  Compute a kernel-module closure in load order (modprobe's order)

distrokit initrd build --out FILE (--from DIR | --spec FILE) [options]
  --compress gzip|zstd|xz|lz4|none  compression (default gzip; xz is written with a CRC32
                             check, the one Linux's initramfs decoder verifies)
  --level N                  gzip 1-9 (default 9), zstd 1-22 (default 19), xz preset 0-7 (default 6)
  --prepend FILE             uncompressed archive to put first (repeatable; e.g. early microcode)
  --source-date-epoch N      time of every member, decimal 0 … 4294967295
                             (default $SOURCE_DATE_EPOCH, else 1)
  --preserve                 keep the tree's times and owners instead of normalising them
  --format newc|crc          cpio flavour (default newc)
  --align N                  align file data to N bytes like gen_init_cpio -a
  --json                     print {"out", "bytes", "sha256"} on stdout

distrokit initrd modules --kernel DIR_OR_DEB --modules m1,m2 [--out DIR] [--version V] [--json]
  DIR is lib/modules/VERSION or a root containing it (an unpacked linux-image .deb).
  --out writes lib/modules/VERSION/… and insmod-list there.

Examples:
  distrokit initrd build --from ./root --out initrd.img
  distrokit initrd build --spec initramfs.list --compress none --out initrd.cpio
  distrokit initrd build --from ./root --prepend ucode.cpio --out initrd.img
  distrokit initrd modules --kernel ./linux-image --modules virtio_pci,virtio_blk,ext4 --json
`;

export async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (!command || command === '--help' || command === '-h') {
    process.stdout.write(HELP);
    return command ? EXIT_OK : EXIT_USAGE;
  }
  if (command === 'build') return build(rest);
  if (command === 'modules') return modules(rest);
  throw new UsageError(`unknown initrd command '${command}'`);
}

const LEVELS: Record<InitrdCompression, [min: number, max: number] | undefined> = {
  gzip: [1, 9],
  zstd: [1, 22],
  xz: [0, 7], // 8 and 9 need more memory than the WebAssembly liblzma has
  lz4: undefined,
  none: undefined,
};

function parseLevel(compression: InitrdCompression, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const range = LEVELS[compression];
  if (!range) throw new UsageError(`--level does not apply to --compress ${compression}`);
  const level = Number(text);
  if (!/^\d+$/.test(text) || level < range[0] || level > range[1]) {
    throw new UsageError(`--level for ${compression} must be ${range[0]}-${range[1]}, not '${text}'`);
  }
  return level;
}

async function build(args: string[]): Promise<number> {
  const { values } = parseUsage(() =>
    parseArgs({
      args,
      options: {
        out: { type: 'string' },
        from: { type: 'string' },
        spec: { type: 'string' },
        compress: { type: 'string', default: 'gzip' },
        level: { type: 'string' },
        prepend: { type: 'string', multiple: true, default: [] },
        'source-date-epoch': { type: 'string' },
        preserve: { type: 'boolean', default: false },
        format: { type: 'string', default: 'newc' },
        align: { type: 'string', default: '0' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }),
  );
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT_OK;
  }
  if (!values.out) throw new UsageError('build needs --out FILE');
  if (!values.from === !values.spec) throw new UsageError('build needs exactly one of --from DIR or --spec FILE');
  if (!INITRD_COMPRESSIONS.includes(values.compress as InitrdCompression)) {
    throw new UsageError(`--compress must be one of ${INITRD_COMPRESSIONS.join(', ')}`);
  }
  const level = parseLevel(values.compress as InitrdCompression, values.level);
  if (values.format !== 'newc' && values.format !== 'crc') throw new UsageError('--format must be newc or crc');
  const epoch = sourceDateEpochOption(values['source-date-epoch']);
  if (!/^\d+$/.test(values.align)) throw new UsageError('--align must be a number');

  const tree = values.from ? await treeFromDirectory(values.from, { xattrs: false }) : await treeFromSpec(await readFile(values.spec!, 'utf8'), values.spec!);
  const prepend = await Promise.all(values.prepend.map((p) => readFile(p).catch((err: unknown) => {
    throw DistrokitError.wrap(err, 'INITRD_PREPEND_UNREADABLE', { file: p });
  })));
  const stream = buildInitrd(tree, {
    compression: values.compress as InitrdCompression,
    format: values.format,
    alignData: Number(values.align),
    level,
    prepend,
    mtime: values.preserve ? 'preserve' : epoch,
    owners: values.preserve || values.spec ? 'preserve' : 'root',
    file: values.from ?? values.spec,
  });
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256');
  let bytes = 0;
  const counted = async function* () {
    for await (const chunk of stream) {
      hash.update(chunk);
      bytes += chunk.length;
      yield chunk;
    }
  };
  // Write next to the target and rename, so a failure never leaves a partial initrd behind.
  const tmp = `${values.out}.tmp-${process.pid}`;
  try {
    await pipeline(Readable.from(counted()), createWriteStream(tmp));
    await rename(tmp, values.out);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const sha256 = hash.digest('hex');
  if (values.json) await writeStdout(`${JSON.stringify({ out: values.out, bytes, sha256 })}\n`);
  return EXIT_OK;
}

async function modules(args: string[]): Promise<number> {
  const { values } = parseUsage(() =>
    parseArgs({
      args,
      options: {
        kernel: { type: 'string' },
        modules: { type: 'string' },
        out: { type: 'string' },
        version: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }),
  );
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT_OK;
  }
  if (!values.kernel) throw new UsageError("modules needs --kernel DIR_OR_DEB (an unpacked kernel or a linux-image .deb)");
  if (!values.modules) throw new UsageError('modules needs --modules m1,m2');
  const roots = values.modules.split(',').map((s) => s.trim()).filter(Boolean);
  // A Debian linux-image package is read natively into a tree (contents spooled to a temporary file).
  const spoolDir = values.kernel.endsWith('.deb') ? await mkdtemp(join(tmpdir(), 'distrokit-kernel-')) : undefined;
  const store = spoolDir ? new SpoolStore({ dir: spoolDir }) : undefined;
  let closure;
  try {
    let kernel: string | DirNode = values.kernel;
    if (store) kernel = (await layPackages([values.kernel], { store })).root;
    closure = await computeModuleClosure(kernel, roots, { version: values.version });
    if (values.out) await writeModuleClosure(closure, values.out);
  } finally {
    await store?.close();
    if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
  }
  if (values.json) {
    await writeStdout(`${JSON.stringify({ version: closure.version, modules: closure.modules, builtin: closure.builtin, firmware: closure.firmware }, null, 2)}\n`);
  } else {
    await writeStdout(insmodList(closure));
    for (const b of closure.builtin) process.stderr.write(`builtin ${b}\n`);
  }
  return EXIT_OK;
}
