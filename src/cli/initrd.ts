/** `distrokit initrd …`: build reproducible initrds and kernel-module closures. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DistrokitError } from '../../formats/errors.js';
import { INITRD_COMPRESSIONS, type InitrdCompression, writeInitrd } from '../initrd/build.js';
import { treeFromDirectory } from '../tree/from-dir.js';
import { computeModuleClosure, insmodList, writeModuleClosure } from '../initrd/modules.js';
import { treeFromSpecFile } from '../initrd/spec.js';
import { SpoolStore } from '../tree/content-store.js';
import { layPackages } from '../tree/packages.js';
import type { DirNode } from '../tree/types.js';
import { EXIT_OK, UsageError, writeStdout } from './common.js';
import { command, invoke } from './dispatch.js';
import { checked, dir, epoch, file, integer, oneOf, type OptionSpecs, type OptionValues, path, word, wordList } from './options.js';

const LEVELS: Record<InitrdCompression, [min: number, max: number] | undefined> = {
  gzip: [1, 9],
  zstd: [1, 22],
  xz: [0, 7], // 8 and 9 need more memory than the WebAssembly liblzma has
  lz4: undefined,
  none: undefined,
};

/** The level checked against the compression's range (the option itself is checked to be 0-22). */
function checkLevel(compression: InitrdCompression, level: number | undefined): number | undefined {
  if (level === undefined) return undefined;
  const range = LEVELS[compression];
  if (!range) throw new UsageError(`--level does not apply to --compress ${compression}`);
  if (level < range[0] || level > range[1]) throw new UsageError(`--level for ${compression} must be ${range[0]}-${range[1]}, not '${level}'`);
  return level;
}

/** gen_init_cpio -a: 0 (none) or a power of two ≥ 4. */
const alignment = checked('N', (text, option) => {
  const n = integer(0, 2 ** 30).parse(text, option);
  if (n !== 0 && (n < 4 || (n & (n - 1)) !== 0)) throw new UsageError(`${option} must be 0 or a power of two ≥ 4, not '${text}'`);
  return n;
});

/** A kernel release (uname -r): a single path component. */
const kernelRelease = checked('V', (text, option) => {
  const v = word('V').parse(text, option);
  if (v.includes('/') || v === '.' || v === '..') throw new UsageError(`${option} '${text}' is not a kernel release (one path component)`);
  return v;
});

const BUILD_OPTIONS = {
  out: { value: file, help: 'the initrd to write (written next to it, renamed when complete)' },
  from: { value: dir, help: 'directory to archive' },
  spec: { value: file, help: "a gen_init_cpio spec ('file', 'dir', 'slink', 'nod' … lines)" },
  compress: { value: oneOf(INITRD_COMPRESSIONS), default: 'gzip', help: 'compression (default gzip; xz is written with a CRC32\ncheck, the one Linux\'s initramfs decoder verifies)' },
  level: { value: integer(0, 22), help: 'gzip 1-9 (default 9), zstd 1-22 (default 19), xz preset 0-7 (default 6)' },
  prepend: { value: file, multiple: true, help: 'uncompressed archive to put first (repeatable; e.g. early microcode)' },
  'source-date-epoch': { value: epoch, help: 'time of every member, decimal 0 … 4294967295\n(default $SOURCE_DATE_EPOCH, else 1)' },
  preserve: { help: "keep the tree's times and owners instead of normalising them" },
  format: { value: oneOf(['newc', 'crc']), default: 'newc', help: 'cpio flavour (default newc)' },
  align: { value: alignment, default: '0', help: 'align file data to N bytes like gen_init_cpio -a (0, or a power of two ≥ 4)' },
} as const satisfies OptionSpecs;
type BuildValues = OptionValues<typeof BUILD_OPTIONS>;

const build = command({
  name: 'build',
  summary: 'write a cpio (newc) initrd from a directory or a gen_init_cpio spec',
  usage: '--out FILE (--from DIR | --spec FILE) [options]',
  options: BUILD_OPTIONS,

  positionals: { min: 0, max: 0 },
  examples: [
    'distrokit initrd build --from ./root --out initrd.img',
    'distrokit initrd build --spec initramfs.list --compress none --out initrd.cpio',
    'distrokit initrd build --from ./root --prepend ucode.cpio --out initrd.img',
  ],
  run: ({ values, format }) => buildInitrdCommand(values, format === 'json'),
});

const MODULES_OPTIONS = {
  kernel: { value: { ...path, placeholder: 'DIR_OR_DEB' }, help: 'an unpacked kernel or a linux-image .deb' },
  modules: { value: wordList('LIST'), help: 'the modules to load, comma-separated' },
  out: { value: dir, help: 'write lib/modules/VERSION/… and insmod-list into DIR' },
  version: { value: kernelRelease, help: 'the kernel release, when the tree has several' },
} as const satisfies OptionSpecs;
type ModulesValues = OptionValues<typeof MODULES_OPTIONS>;

const modules = command({
  name: 'modules',
  summary: "compute a kernel-module closure in load order (modprobe's order)",
  usage: '--kernel DIR_OR_DEB --modules m1,m2 [--out DIR] [--version V] [--json]',
  description: `DIR is lib/modules/VERSION or a root containing it (an unpacked linux-image .deb).
--out writes lib/modules/VERSION/… and insmod-list there.`,
  options: MODULES_OPTIONS,

  positionals: { min: 0, max: 0 },
  examples: ['distrokit initrd modules --kernel ./linux-image --modules virtio_pci,virtio_blk,ext4 --json'],
  run: ({ values, format }) => modulesCommand(values, format === 'json'),
});

export const commands = [build, modules];

/** In-process entry (tests): errors are thrown, not printed. */
export const run = (args: string[]): Promise<number> => invoke('initrd', commands, args);

async function buildInitrdCommand(values: BuildValues, json: boolean): Promise<number> {
  if (!values.out) throw new UsageError('initrd build needs --out FILE');
  if (!values.from === !values.spec) throw new UsageError('initrd build needs exactly one of --from DIR or --spec FILE');
  const level = checkLevel(values.compress, values.level);
  const epochValue = values['source-date-epoch'];

  const tree = values.from ? await treeFromDirectory(values.from, { xattrs: false }) : await treeFromSpecFile(values.spec!);
  const prepend = await Promise.all(values.prepend.map((p) => readFile(p).catch((err: unknown) => {
    throw DistrokitError.wrap(err, 'INITRD_PREPEND_UNREADABLE', { file: p });
  })));
  const written = await writeInitrd(tree, values.out, {
    compression: values.compress,
    format: values.format,
    alignData: values.align,
    level,
    prepend,
    mtime: values.preserve ? 'preserve' : epochValue,
    owners: values.preserve || values.spec ? 'preserve' : 'root',
    file: values.from ?? values.spec,
  });
  if (json) await writeStdout(`${JSON.stringify(written)}\n`);
  return EXIT_OK;
}

async function modulesCommand(values: ModulesValues, json: boolean): Promise<number> {
  if (!values.kernel) throw new UsageError('initrd modules needs --kernel DIR_OR_DEB (an unpacked kernel or a linux-image .deb)');
  if (!values.modules) throw new UsageError('initrd modules needs --modules m1,m2');
  const roots = values.modules;
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
  if (json) {
    await writeStdout(`${JSON.stringify({ version: closure.version, modules: closure.modules, builtin: closure.builtin, firmware: closure.firmware }, null, 2)}\n`);
  } else {
    await writeStdout(insmodList(closure));
    for (const b of closure.builtin) process.stderr.write(`builtin ${b}\n`);
  }
  return EXIT_OK;
}
