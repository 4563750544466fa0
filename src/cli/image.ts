/** `distrokit image …`: configured system images. */
import { buildDebianImage, type ImageProgress } from '../vm/debian/image.js';
import { kvmUsable } from '../vm/qemu.js';
import { EXIT_OK, UsageError, writeStdout } from './common.js';
import { command, invoke } from './dispatch.js';
import { indexesFromSource, INDEX_SOURCE_OPTIONS } from './index-source.js';
import { bytes, checked, dir, epoch, file, integer, oneOf, type OptionSpecs, type OptionValues, path, url, word } from './options.js';

const DEBIAN_OPTIONS = {
  out: { value: file, help: 'the image to write (renamed into place only when the guest finished cleanly)' },
  index: { value: file, multiple: true, help: "a Packages index (any compression); repeatable\n(default: this machine's bookworm apt lists)" },
  'url-prefix': { value: url, multiple: true, help: 'the mirror of the --index files: once for all, or once per --index' },
  lock: { value: file, help: "install exactly this closure document ('deb closure --essential' JSON)" },
  debs: { value: dir, help: 'take the .debs from DIR (by pool file name) instead of downloading' },
  mirror: { value: url, help: 'fetch the .debs from this mirror (file://, http://, https://);\nwith --dist, its indexes too (the mirror of its first suite)' },
  dist: INDEX_SOURCE_OPTIONS.dist,
  suite: { ...INDEX_SOURCE_OPTIONS.suite, help: 'with --dist: only these of its suites' },
  keyring: INDEX_SOURCE_OPTIONS.keyring,
  'allow-expired': INDEX_SOURCE_OPTIONS['allow-expired'],
  'no-essential': { help: 'do not add the Essential: yes and Priority: required base' },
  mode: { value: oneOf(['fast', 'seed']), default: 'fast', help: "'fast' (default): one dpkg --install of all packages, in install order;\n'seed': one dpkg --install --force-all per install group, as vmTools" },
  'post-install': {
    value: checked('CMD', (text, option) => {
      if (text.trim() === '' || text.includes('\0')) throw new UsageError(`${option} needs a shell command (not empty, no NUL)`);
      return text;
    }),
    help: 'a shell command run in the configured guest at the end; its failure fails the build',
  },
  size: { value: checked('auto|BYTES', (text, option) => (text === 'auto' ? text : bytes.parse(text, option))), help: "'auto' (default): the tree plus room for dpkg and a first boot; or BYTES (K/M/G)" },
  'source-date-epoch': { value: epoch, help: 'clamp file times to N in the unpacked tree, and give N to dpkg and the\nmaintainer scripts in the guest (default: $SOURCE_DATE_EPOCH)' },
  kernel: { value: { ...path, placeholder: 'KERNEL' }, help: "the guest kernel: a vmlinuz or a linux-image .deb (default: Debian's cloud kernel,\ndownloaded from the apt lists' mirror into the cache)" },
  memory: { value: integer(256, 1 << 20, 'MIB'), default: '1024', help: 'guest memory in MiB (default 1024)' },
  cpus: { value: integer(1, 64), default: '2', help: 'guest CPUs (default 2)' },
  timeout: { value: integer(1, 86_400, 'S'), default: '3600', help: 'stop the VM after S seconds (default 3600)' },
  console: { help: 'stream the guest console to stderr' },
  quiet: { help: 'no progress on stderr' },
} as const satisfies OptionSpecs;
type DebianValues = OptionValues<typeof DEBIAN_OPTIONS>;

const debian = command({
  name: 'debian',
  summary: 'a configured Debian image: closure → .debs → ext4 → boot → maintainer scripts',
  usage: '--out IMG [--index FILE… | --dist NAME] [--lock FILE] [--debs DIR | --mirror URL] [options] PKG…',
  description: `Resolves the closure of PKG… (plus the Essential and Priority: required base,
as debootstrap and mmdebstrap add it) from the indexes, in install groups;
obtains every .deb checked against its index's SHA256; unpacks them natively
into one tree and writes it as an ext4 image; then boots the image read-write
in QEMU with the .debs on a read-only disk and lets dpkg install them, so that
every maintainer script runs (services are kept from starting by a
policy-rc.d and a fake start-stop-daemon). A failing maintainer script fails
the build (exit 1) with the package and its output. Progress per stage on
stderr; --json prints a summary.
--dist NAME resolves from the distribution's verified indexes (as 'deb
closure --dist': fetched into the cache when an InRelease changed).`,
  options: DEBIAN_OPTIONS,
  positionals: { min: 0, value: word('PKG') },
  examples: [
    'distrokit image debian --out bookworm.img base-files bash coreutils dpkg',
    "distrokit image debian --out dev.img --post-install 'gcc --version' build-essential",
    'distrokit image debian --dist debian-12 --out bookworm.img bash',
    'distrokit deb closure --essential --index Packages.xz --url-prefix http://deb.debian.org/debian curl > lock.json\n  distrokit image debian --out curl.img --lock lock.json --debs ./debs --json',
  ],
  run: ({ values, positionals, format }) => runDebian(values, positionals, format === 'json'),
});

export const commands = [debian];

/** In-process entry (tests): errors are thrown, not printed. */
export const runImage = (args: string[]): Promise<number> => invoke('image', commands, args);

/** Stage lines and steps on stderr (one line per step when stderr is not a terminal). */
export function imageProgressPrinter(quiet: boolean): (event: ImageProgress) => void {
  const tty = !!process.stderr.isTTY && !process.env.CI;
  let lastStep = 0;
  return (event) => {
    if (quiet) return;
    if (event.state === 'start') process.stderr.write(`${event.stage}…\n`);
    else if (event.state === 'done') process.stderr.write(`${tty ? '\r\x1b[K' : ''}${event.stage}: ${event.seconds!.toFixed(1)} s${event.detail ? ` (${event.detail})` : ''}\n`);
    else if (event.state === 'step') {
      const line = `  ${event.stage} ${event.done}/${event.total}${event.detail ? ` ${event.detail}` : ''}`;
      if (tty) process.stderr.write(`\r\x1b[K${line}`);
      else if (event.stage === 'configure' || Date.now() - lastStep > 2000 || event.done === event.total) {
        lastStep = Date.now();
        process.stderr.write(`${line}\n`);
      }
    }
  };
}

async function runDebian(values: DebianValues, packages: string[], json: boolean): Promise<number> {
  if (values.out === undefined) throw new UsageError('image debian needs --out IMG');
  if (values.lock !== undefined && packages.length) throw new UsageError('--lock installs the lock file; give no package names with it');
  if (values.lock === undefined && packages.length === 0) throw new UsageError('image debian needs package names (or --lock FILE)');
  if (values.debs !== undefined && values.mirror !== undefined) throw new UsageError('--debs and --mirror exclude each other');
  const prefixes = values['url-prefix'] ?? [];
  const indexes = values.index ?? [];
  if (prefixes.length > 1 && prefixes.length !== indexes.length) throw new UsageError(`--url-prefix: give one for all indexes or one per --index (${indexes.length})`);
  if (prefixes.length && !indexes.length) throw new UsageError('--url-prefix needs --index');
  // --mirror alone is where the .debs come from; with --dist it is the indexes' mirror too.
  const fetched =
    values.dist === undefined
      ? await indexesFromSource({ ...values, mirror: undefined }, indexes.length > 0, [], json)
      : values.lock !== undefined
        ? undefined
        : await indexesFromSource(values, indexes.length > 0, [], json);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (!kvmUsable() && !values.quiet) process.stderr.write('distrokit: KVM is not available (/dev/kvm); the VM runs under TCG emulation (slow)\n');
    const summary = await buildDebianImage({
      out: values.out,
      packages,
      indexes: fetched ?? indexes.map((path, i) => ({ path, urlPrefix: prefixes.length > 1 ? prefixes[i] : prefixes[0] })),
      lock: values.lock,
      essential: !values['no-essential'],
      debsDir: values.debs,
      mirror: values.mirror,
      mode: values.mode,
      postInstall: values['post-install'],
      size: values.size,
      sourceDateEpoch: values['source-date-epoch'],
      vm: {
        kernel: values.kernel,
        memoryMiB: values.memory,
        cpus: values.cpus,
        timeoutMs: values.timeout * 1000,
        signal: controller.signal,
        onConsole: values.console ? (chunk) => process.stderr.write(chunk) : undefined,
      },
      onProgress: imageProgressPrinter(values.quiet || json),
    });
    if (json) await writeStdout(`${JSON.stringify(summary, null, 2)}\n`);
    else {
      const s = summary.stages;
      const g = summary.guest;
      await writeStdout(
        `${summary.image}: ${summary.packages} packages in ${summary.groups} install groups, configured; ext4 ${(summary.bytes / 2 ** 20).toFixed(1)} MiB\n` +
          `  resolve ${s.resolve.toFixed(1)} s, fetch ${s.fetch.toFixed(1)} s, unpack ${s.unpack.toFixed(1)} s, write ${s.write.toFixed(1)} s, configure ${s.configure.toFixed(1)} s (${summary.accel}: ` +
          `boot ${g.boot.toFixed(1)} s, dpkg unpack ${g.unpack.toFixed(1)} s, configure ${g.configure.toFixed(1)} s, post-install ${g.postInstall.toFixed(1)} s, shutdown ${g.shutdown.toFixed(1)} s)\n`,
      );
    }
    return EXIT_OK;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
