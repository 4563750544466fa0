/** `distrokit vm …`: run commands in a Linux VM (QEMU). */
import { DistrokitError } from '../../formats/errors.js';
import { kvmUsable } from '../vm/qemu.js';
import { ENV_NAME } from '../vm/guest.js';
import { runInVm } from '../vm/run.js';
import { UsageError, writeStdout } from './common.js';
import { command, invoke } from './dispatch.js';
import { bytes, checked, dir, file, integer, type OptionSpecs, type OptionValues, path } from './options.js';

/** NAME=VALUE with NAME a shell variable name (the guest's export). */
const guestVariable = checked('NAME=VALUE', (text, option) => {
  const eq = text.indexOf('=');
  const name = eq < 0 ? text : text.slice(0, eq);
  if (eq < 0 || !ENV_NAME.test(name)) throw new UsageError(`${option} ${JSON.stringify(text)} is not NAME=VALUE with NAME a shell variable name`);
  return [name, text.slice(eq + 1)] as const;
});

/** An absolute directory of the guest (not checked on the host). */
const guestDirectory = checked('DIR', (text, option) => {
  if (!text.startsWith('/') || text.includes('\0')) throw new UsageError(`${option} ${JSON.stringify(text)} is not an absolute path`);
  return text;
});

/** The output disk's size: a byte count of at least 1 MiB. */
const outSize = checked('BYTES', (text, option) => {
  const n = bytes.parse(text, option);
  if (n < 2 ** 20) throw new UsageError(`${option} ${JSON.stringify(text)} is less than 1M`);
  return n;
});

const RUN_OPTIONS = {
  kernel: { value: { ...path, placeholder: 'KERNEL' }, help: "a vmlinuz (modules in ../lib/modules) or a linux-image .deb\n(default: Debian's cloud kernel, downloaded from the apt lists' mirror\ninto the cache and sha256-checked)" },
  memory: { value: integer(64, 1 << 20, 'MIB'), default: '512', help: 'guest memory in MiB (default 512)' },
  cpus: { value: integer(1, 64), default: '1', help: 'guest CPUs (default 1)' },
  timeout: { value: integer(1, 86_400, 'S'), default: '300', help: 'stop the VM after S seconds: VM_TIMEOUT (default 300)' },
  console: { help: 'stream the guest console (kernel and stage-1 log) to stderr' },
  env: { value: guestVariable, multiple: true, help: 'set NAME=VALUE in the command\'s environment (repeatable)' },
  workdir: { value: guestDirectory, help: 'run the command in DIR of the guest (an absolute path; default /)' },
  image: { value: { ...file, placeholder: 'IMG' }, help: 'a raw ext2/3/4 image (e.g. from `ext4 build`) as the root: CMD runs\nchrooted into it; copy-on-write, IMG is unchanged (see --write)' },
  write: { help: "write the guest's changes to --image IMG" },
  in: { value: dir, help: 'a host directory, mounted read-only at /in in the guest' },
  out: { value: dir, help: "an empty or missing host directory that receives the guest's /out\n(a tmpfs: at most half of --memory)" },
  'out-size': { value: outSize, help: 'size of the sparse disk /out travels on as a tar stream (default 4G)' },
  keep: { help: 'keep the run directory with a run-vm script that re-enters the VM\n(always done when the VM itself fails)' },
} as const satisfies OptionSpecs;
type RunValues = OptionValues<typeof RUN_OPTIONS>;

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

const run = command({
  name: 'run',
  summary: 'run a command in a throw-away Linux VM; its output and exit status are the result',
  usage: '[options] -- CMD [ARG…]',
  description: `The guest is Debian's kernel with a busybox initrd built natively (busybox-static
and the virtio module closure); CMD runs as root in it, with busybox's applets,
or with --image chrooted into an ext4 image (PATH and HOME=/root as on Debian).
CMD's stdout and stderr come back on distrokit's stdout and stderr (over
virtio-serial ports), and its exit status is distrokit's. --in DIR is readable
at /in; what CMD leaves in /out lands in --out DIR after the run. Failures of
the VM itself exit 1 with a code (VM_TIMEOUT, VM_PANIC, VM_NO_STAGE1,
VM_NO_EXIT_STATUS, VM_STAGE1_FAILED) and keep the run in distrokit's cache with
a run-vm script that re-enters the VM with a shell on the terminal (--keep
keeps every run). Without KVM the VM runs under TCG emulation (a notice says
so). --json prints {exitStatus, stdout, stderr, accel, kernelRelease, out?,
runVm?} instead of the streams.`,
  options: RUN_OPTIONS,
  positionals: { min: 1 },
  examples: [
    "distrokit vm run -- sh -c 'uname -a; cat /proc/cpuinfo | head -5'",
    "distrokit vm run --env GREETING='hello world' --workdir /proc -- sh -c 'echo \"$GREETING\"; ls'",
    'distrokit vm run --kernel linux-image-6.1.0-57-cloud-amd64.deb --timeout 60 -- dmesg',
    "distrokit vm run --image root.img --in ./src --out ./result -- sh -c 'cp -r /in/* /out/ && ls -l /out'",
    "distrokit vm run --image root.img --write -- sh -c 'echo hello > /etc/motd'",
    'distrokit vm run --keep --image root.img -- true    # then: …/run-vm for a shell in the same VM'],
  run: ({ values, positionals, format }) => runCommand(values, positionals, format === 'json'),
});

export const commands = [run];

/** In-process entry (tests): errors are thrown, not printed. */
export const runVm = (args: string[]): Promise<number> => invoke('vm', commands, args);

async function runCommand(values: RunValues, argv: string[], json: boolean): Promise<number> {
  if (values.write && values.image === undefined) throw new UsageError('--write needs --image IMG (the image to write to)');
  if (values['out-size'] !== undefined && values.out === undefined) throw new UsageError('--out-size needs --out DIR');
  const controller = new AbortController();
  let received: string | undefined;
  const onSignal = (signal: string) => {
    received ??= signal;
    controller.abort();
  };
  const signals = ['SIGINT', 'SIGTERM'] as const;
  for (const s of signals) process.on(s, onSignal);
  try {
    if (!kvmUsable()) process.stderr.write('distrokit: KVM is not available (/dev/kvm); the VM runs under TCG emulation (slow)\n');
    const result = await runInVm({
      kernel: values.kernel,
      command: argv,
      env: values.env,
      workdir: values.workdir,
      image: values.image,
      write: values.write,
      in: values.in,
      out: values.out,
      outSize: values['out-size'],
      keep: values.keep,
      memoryMiB: values.memory,
      cpus: values.cpus,
      timeoutMs: values.timeout * 1000,
      onConsole: values.console ? (chunk) => process.stderr.write(chunk) : undefined,
      // Without --json the command's output is passed through as it arrives.
      onStdout: json ? undefined : (chunk) => process.stdout.write(chunk),
      onStderr: json ? undefined : (chunk) => process.stderr.write(chunk),
      signal: controller.signal,
    });
    if (json) {
      const { exitStatus, accel, kernelRelease, out, runVm } = result;
      await writeStdout(`${JSON.stringify({ exitStatus, stdout: result.stdout.toString(), stderr: result.stderr.toString(), accel, kernelRelease, out, runVm })}\n`);
      return exitStatus;
    }
    for (const s of result.out?.skipped ?? []) process.stderr.write(`distrokit: /out: skipped ${s.path}: ${s.what}\n`);
    if (result.runVm) process.stderr.write(`distrokit: the run is kept; re-enter the VM with ${result.runVm}\n`);
    // The streams were passed through as they came; wait until stdout has taken them.
    if (process.stdout.writableNeedDrain) await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
    return result.exitStatus;
  } catch (err) {
    if (err instanceof DistrokitError && err.code === 'VM_INTERRUPTED' && received) {
      process.stderr.write(`distrokit: VM_INTERRUPTED: ${received}: the VM was stopped\n`);
      return SIGNAL_EXIT[received]!;
    }
    throw err;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}
