/** `distrokit vm …`: run commands in a Linux VM (QEMU). */
import { DistrokitError } from '../../formats/errors.js';
import { kvmUsable } from '../vm/qemu.js';
import { ENV_NAME } from '../vm/guest.js';
import { runInVm } from '../vm/run.js';
import { UsageError, writeStdout } from './common.js';
import { command, invoke } from './dispatch.js';
import { checked, integer, type OptionSpecs, type OptionValues, path } from './options.js';

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

const RUN_OPTIONS = {
  kernel: { value: { ...path, placeholder: 'KERNEL' }, help: "a vmlinuz (modules in ../lib/modules) or a linux-image .deb\n(default: Debian's cloud kernel .deb from the cache)" },
  memory: { value: integer(64, 1 << 20, 'MIB'), default: '512', help: 'guest memory in MiB (default 512)' },
  cpus: { value: integer(1, 64), default: '1', help: 'guest CPUs (default 1)' },
  timeout: { value: integer(1, 86_400, 'S'), default: '300', help: 'stop the VM after S seconds: VM_TIMEOUT (default 300)' },
  console: { help: 'stream the guest console (kernel and stage-1 log) to stderr' },
  env: { value: guestVariable, multiple: true, help: 'set NAME=VALUE in the command\'s environment (repeatable)' },
  workdir: { value: guestDirectory, help: 'run the command in DIR of the guest (an absolute path; default /)' },
} as const satisfies OptionSpecs;
type RunValues = OptionValues<typeof RUN_OPTIONS>;

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

const run = command({
  name: 'run',
  summary: 'run a command in a throw-away Linux VM; its output and exit status are the result',
  usage: '[options] -- CMD [ARG…]',
  description: `The guest is Debian's kernel with a busybox initrd built natively (busybox-static
and the virtio module closure); CMD runs as root in it, with busybox's applets.
CMD's stdout and stderr come back on distrokit's stdout and stderr (over
virtio-serial ports), and its exit status is distrokit's. Failures of the VM
itself exit 1 with a code: VM_TIMEOUT, VM_PANIC, VM_NO_STAGE1, VM_NO_EXIT_STATUS.
Without KVM the VM runs under TCG emulation (a notice says so). --json prints
{exitStatus, stdout, stderr, accel, kernelRelease} instead of the streams.`,
  options: RUN_OPTIONS,
  positionals: { min: 1 },
  examples: [
    "distrokit vm run -- sh -c 'uname -a; cat /proc/cpuinfo | head -5'",
    "distrokit vm run --env GREETING='hello world' --workdir /proc -- sh -c 'echo \"$GREETING\"; ls'",
    'distrokit vm run --kernel linux-image-6.1.0-57-cloud-amd64.deb --timeout 60 -- dmesg'],
  run: ({ values, positionals, format }) => runCommand(values, positionals, format === 'json'),
});

export const commands = [run];

/** In-process entry (tests): errors are thrown, not printed. */
export const runVm = (args: string[]): Promise<number> => invoke('vm', commands, args);

async function runCommand(values: RunValues, argv: string[], json: boolean): Promise<number> {
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
      const { exitStatus, accel, kernelRelease } = result;
      await writeStdout(`${JSON.stringify({ exitStatus, stdout: result.stdout.toString(), stderr: result.stderr.toString(), accel, kernelRelease })}\n`);
      return exitStatus;
    }
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
