/** `distrokit store-image`: an ext4 image of a Nix store closure with its registration (make-ext4-fs.nix). */
import { closureOf, readClosureInfo, readReferencesGraph } from '../store/closure.js';
import { buildStoreImage, DEFAULT_STORE_IMAGE_UUID, REGISTRATION_FORMATS, REGISTRATION_NAME, STORE_SIZE_HEURISTICS } from '../store/image.js';
import { encodeLabel, parseUuid } from '../image/options.js';
import type { StorePathInfo } from '../store/path-info.js';
import { EXIT_OK, Progress, UsageError, writeStdout } from './common.js';
import { command } from './dispatch.js';
import { checked, dir, epoch, file, integer, oneOf, path, type OptionSpecs, type OptionValues } from './options.js';

const absolute = checked('DIR', (text, option) => {
  if (!/^\/[^\0]*[^/]$/.test(text) || text.split('/').some((p, i) => i > 0 && (p === '' || p === '.' || p === '..'))) {
    throw new UsageError(`${option} '${text}' is not an absolute directory path (no trailing '/', '.', '..' or '//')`);
  }
  return text;
});

const OPTIONS = {
  out: { value: file, help: 'the image to write (IMG.tmp-PID while written; with --compress zstd the\ncompressed file, e.g. nixos.img.zst)' },
  'references-graph': { value: file, multiple: true, help: 'an exportReferencesGraph file (closure-*: path, deriver, count,\nreferences); repeat the option for each file' },
  'closure-info': { value: dir, help: "a closureInfo directory (store-paths, registration with narHash/narSize)" },
  'store-dir': { value: absolute, help: 'the store directory, in the image and under --root (default /nix/store)' },
  root: { value: dir, help: 'read store paths from DIR/<store-dir>/… (default /)' },
  files: { value: dir, help: "merge DIR's contents at the image root (populateImageCommands' ./files)" },
  registration: {
    value: oneOf(REGISTRATION_FORMATS),
    help: `/${REGISTRATION_NAME} format: 'load-db' (default; narHash, narSize, computed\nwhen the input lacks them), 'print-registration' (the seed's: zero hashes)\nor 'register-validity' (for nix-store --register-validity)`,
  },
  gid: { value: integer(0, 2 ** 32 - 1, 'GID'), help: 'group of every entry of the store paths (the seed: 30000, nixbld; default 0)' },
  label: { value: checked('L', (text) => (encodeLabel(text), text)), help: 'volume label (≤16 bytes)' },
  uuid: { value: checked('UUID', (text, option) => (parseUuid(text, option), text)), help: `filesystem UUID (default ${DEFAULT_STORE_IMAGE_UUID})` },
  'size-heuristic': {
    value: oneOf(STORE_SIZE_HEURISTICS),
    help: "'exact' (default): the exact minimum plus headroom (the larger of 16 MiB\nand 10 %); 'nixpkgs': the seed's find/du formula, byte for byte (fails\nwith EXT4_TOO_SMALL when the closure does not fit it); 'nixpkgs-current':\nthe minimum plus 16 MiB, what today's recipe ends with",
  },
  compress: { value: oneOf(['zstd']), help: 'write zstd frames (decodable by zstd -d), level 3' },
  'source-date-epoch': { value: epoch, help: 'the one time of every inode and of the filesystem (default:\n$SOURCE_DATE_EPOCH, else 0 as the seed\'s faketime 1970-01-01)' },
  threads: { value: integer(0, 64), help: 'worker threads reading host files (the image is the same for any N)' },
  quiet: { help: 'no progress on stderr' },
} as const satisfies OptionSpecs;

const storeImage = command({
  name: 'store-image',
  summary: 'an ext4 image of a Nix store closure plus nix-path-registration (make-ext4-fs.nix)',
  usage: '--out IMG (--references-graph FILE… | --closure-info DIR) [options] [TOPLEVEL…]',
  description: [
    'Copies the closure of the TOPLEVEL store paths (all paths the input describes when none is',
    'given) into <store-dir> of a new ext4 image, with /nix-path-registration for',
    "`nix-store --load-db` at first boot. Owners root:root (store contents root:GID with --gid),",
    'modes as on the host, every time SOURCE_DATE_EPOCH or 0, UUID and hash seed fixed: two runs',
    'give the same bytes. No e2fsprogs, root, faketime or fakeroot needed.',
  ].join('\n'),
  options: OPTIONS,
  positionals: { min: 0, value: path },
  examples: [
    'distrokit store-image --out nixos.img --closure-info /nix/store/…-closure-info --label nixos',
    'distrokit store-image --out sd.img --references-graph closure-a --references-graph closure-b --gid 30000 --size-heuristic nixpkgs',
    'distrokit store-image --out nixos.img.zst --compress zstd --closure-info ./ci --files ./files --json',
  ],
  run: (args) => run(args.values, args.positionals, args.format),
});

export const commands = [storeImage];

type Values = OptionValues<typeof OPTIONS>;

async function run(v: Values, toplevels: string[], format: string): Promise<number> {
  if (!v.out) throw new UsageError('store-image needs --out IMG');
  const graphs = v['references-graph'];
  if ((graphs.length > 0) === (v['closure-info'] !== undefined)) throw new UsageError('store-image needs exactly one of --references-graph FILE… or --closure-info DIR');
  const storeDir = v['store-dir'] ?? '/nix/store';
  const progress = new Progress({ quiet: v.quiet, json: format === 'json' });
  progress.update('store-image: reading the closure', true);
  let infos: Map<string, StorePathInfo>;
  let all: string[];
  if (v['closure-info'] !== undefined) {
    const ci = await readClosureInfo(v['closure-info']);
    infos = ci.infos;
    all = ci.storePaths;
  } else {
    infos = await readReferencesGraph(graphs);
    all = [...infos.keys()];
  }
  const closure = closureOf(infos, toplevels.length > 0 ? toplevels : all, storeDir);
  const summary = await buildStoreImage({
    closure,
    out: v.out,
    storeDir,
    root: v.root,
    files: v.files,
    registration: v.registration,
    gid: v.gid,
    label: v.label,
    uuid: v.uuid,
    sizeHeuristic: v['size-heuristic'],
    compress: v.compress,
    sourceDateEpoch: v['source-date-epoch'],
    threads: v.threads,
    onProgress: (phase, done, total) => progress.update(`store-image: ${phase} ${done}/${total}`),
  });
  progress.done();
  if (format === 'json') {
    await writeStdout(`${JSON.stringify(summary, (_, x) => (typeof x === 'bigint' ? Number(x) : x))}\n`);
    return EXIT_OK;
  }
  const e = summary.ext4;
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  await writeStdout(
    `${summary.out}: ${summary.paths} store paths, ${summary.entries} entries, ${mib(summary.fileBytes)} of files; ` +
      `image ${mib(e.bytes)} (${e.freeBlocks} of ${e.blocks} blocks and ${e.freeInodes} of ${e.inodes} inodes free), uuid ${e.uuid}\n` +
      (summary.compressed ? `zstd ${mib(summary.compressed.bytes)}, sha256 ${summary.compressed.sha256}\n` : '') +
      `image sha256 ${summary.imageSha256}\n`,
  );
  return EXIT_OK;
}
