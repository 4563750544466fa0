/**
 * Stage-1 init for running one command in a VM, in today's terms of the
 * seed's vm-run-stage1: mount proc/sys/devtmpfs, read the kernel command line,
 * load the module closure in order, mount the root disk (or a tmpfs) at /mnt,
 * run the command, hand its output and exit status to the host over serial
 * ports, sync, and power off. If stage 1 itself fails, ttyS2 gets "fail: reason" instead of a status.
 *
 * Host channels (QEMU `-serial` order): ttyS0 console and init log, ttyS1 the
 * command's stdout+stderr (raw), ttyS2 the exit status as decimal text.
 *
 * Kernel command line keys (all optional, override the built-in defaults):
 *   distrokit.root=/dev/vda  distrokit.fstype=ext4  distrokit.rootflags=ro
 *   distrokit.command=/path  distrokit.chroot=1  distrokit.timeout=SECONDS
 */
import { DistrokitError } from '../../formats/errors.js';
import type { DirNode, FileContent, NodeMeta, TreeNode } from '../tree/types.js';
import type { ModuleClosure } from './modules.js';

export interface Stage1Options {
  /** Block device of the disk to mount at /mnt; omitted = a tmpfs at /mnt. */
  root?: string;
  fstype?: string;
  rootflags?: string;
  /** Shell command text run by /bin/sh (in the initrd, or chrooted into /mnt with `chroot`). */
  command?: string;
  chroot?: boolean;
  /** Seconds to wait for the root device to appear after the modules load. */
  deviceTimeout?: number;
  /** Extra insmod arguments per module name (e.g. { virtio_net: 'napi_tx=1' }). */
  moduleArgs?: Record<string, string>;
  /**
   * How the command's output and status reach the host: 'serial' (default)
   * is ttyS1 (stdout+stderr) and ttyS2 (status), which only pc/q35 have;
   * 'virtio-ports' is three named virtio-serial ports (distrokit.stdout,
   * distrokit.stderr, distrokit.status), 150 times faster and on every
   * machine type. It needs virtio_console in the module closure.
   */
  transport?: 'serial' | 'virtio-ports';
}

/** Names of the virtio-serial ports of the 'virtio-ports' transport. */
export const VIRTIO_PORT_NAMES = { stdout: 'distrokit.stdout', stderr: 'distrokit.stderr', status: 'distrokit.status' } as const;

/**
 * Shell lines that find the named virtio-serial ports by
 * /sys/class/virtio-ports/*\/name. They are retried: right after insmod the
 * name file or the device node can still be missing.
 */
function virtioPortLines(): string {
  const { stdout, stderr, status } = VIRTIO_PORT_NAMES;
  return `busybox --install -s /bin 2>/dev/null
port() { for p in /sys/class/virtio-ports/*; do [ "$(cat "$p/name" 2>/dev/null)" = "$1" ] && [ -c "/dev/\${p##*/}" ] && { echo "/dev/\${p##*/}"; return 0; }; done; return 1; }
n=0
until out=$(port ${stdout}) && err=$(port ${stderr}) && st=$(port ${status}); do
  n=$((n + 1))
  [ "$n" -gt 200 ] && fail "the virtio-serial ports did not appear"
  sleep 0.05
done
`;
}

const BUSYBOX_APPLETS = [
  'sh', 'mount', 'umount', 'mkdir', 'insmod', 'cat', 'echo', 'sleep', 'stty', 'poweroff', 'sync',
  'chroot', 'ls', 'test', '[', 'mknod', 'ln', 'grep', 'sed', 'tr', 'dmesg', 'cp',
];

/** One word for a POSIX shell, single-quoted. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** ttyS1 carries stdout and stderr, ttyS2 the status; raw, so that no byte is translated. */
function serialPortLines(): string {
  return `out=/dev/ttyS1; err=/dev/ttyS1; st=/dev/ttyS2
for p in /dev/ttyS1 /dev/ttyS2; do stty -F "$p" raw -echo 2>/dev/null; done
`;
}

/** The /init script. Module paths are read from /insmod-list at boot. */
export function stage1Script(options: Stage1Options = {}): string {
  const args = Object.entries(options.moduleArgs ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([mod, arg]) => `      */${mod}.ko*) args=${shellQuote(arg)} ;;`)
    .join('\n');
  return `#!/bin/sh
# distrokit stage-1 init (generated).
export PATH=/bin
st=${options.transport === 'virtio-ports' ? '/dev/null' : '/dev/ttyS2'}
fail() { echo "stage1: FAILED: $*"; echo "fail: $*" > "$st"; sync; poweroff -f; }
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev || fail "cannot mount devtmpfs"
root=${shellQuote(options.root ?? '')}
fstype=${shellQuote(options.fstype ?? 'ext4')}
rootflags=${shellQuote(options.rootflags ?? 'rw')}
command=/distrokit/command
chroot=${options.chroot ? 1 : 0}
timeout=${options.deviceTimeout ?? 30}
for o in $(cat /proc/cmdline); do
  case "$o" in
    distrokit.root=*) root="\${o#*=}" ;;
    distrokit.fstype=*) fstype="\${o#*=}" ;;
    distrokit.rootflags=*) rootflags="\${o#*=}" ;;
    distrokit.command=*) command="\${o#*=}" ;;
    distrokit.chroot=*) chroot="\${o#*=}" ;;
    distrokit.timeout=*) timeout="\${o#*=}" ;;
  esac
done
for m in $(cat /insmod-list); do
  args=
  case "$m" in
${args}
    *) ;;
  esac
  echo "stage1: insmod $m $args"
  insmod "$m" $args || fail "insmod $m failed"
done
mkdir -p /mnt
if [ -n "$root" ]; then
  n=0
  while [ ! -b "$root" ]; do
    n=$((n + 1))
    [ "$n" -gt $((timeout * 10)) ] && fail "$root did not appear"
    sleep 0.1
  done
  mount -t "$fstype" -o "$rootflags" "$root" /mnt || fail "cannot mount $root"
else
  mount -t tmpfs -o mode=755 tmpfs /mnt
fi
${options.transport === 'virtio-ports' ? virtioPortLines() : serialPortLines()}echo "stage1: running $command"
if [ "$chroot" = 1 ]; then
  mkdir -p /mnt/proc /mnt/sys /mnt/dev
  mount --bind /proc /mnt/proc
  mount --bind /sys /mnt/sys
  mount --bind /dev /mnt/dev
  cp "$command" /mnt/.distrokit-command 2>/dev/null || cat "$command" > /mnt/.distrokit-command
  chroot /mnt /bin/sh /.distrokit-command > "$out" 2> "$err"
  status=$?
else
  /bin/sh "$command" > "$out" 2> "$err"
  status=$?
fi
echo "stage1: exit status $status"
echo "$status" > "$st"
sync
umount /mnt 2>/dev/null || mount -o remount,ro /mnt
poweroff -f
`;
}

const fixed = (perm: number): NodeMeta => ({ perm, uid: 0, gid: 0, mtime: { sec: 0, nsec: 0 } });

function dir(perm = 0o755): DirNode {
  return { ...fixed(perm), type: 'dir', children: new Map() };
}

/** Adds `node` at `path` (slash-separated), creating parent directories. */
export function addPath(root: DirNode, path: string, node: TreeNode): void {
  const parts = path.split('/').filter(Boolean);
  let cur = root;
  for (const part of parts.slice(0, -1)) {
    let next = cur.children.get(part);
    if (!next) {
      next = dir();
      cur.children.set(part, next);
    }
    if (next.type !== 'dir') throw new DistrokitError('TREE_NOT_A_DIRECTORY', `'${part}' is not a directory`, { entry: path });
    cur = next;
  }
  cur.children.set(parts[parts.length - 1]!, node);
}

export interface Stage1TreeInput extends Stage1Options {
  /** A statically linked busybox (e.g. bin/busybox from Debian's busybox-static). */
  busybox: { size: number; content: FileContent };
  closure?: ModuleClosure;
  /** Extra files for the initrd, by absolute path. */
  extra?: Array<{ path: string; node: TreeNode }>;
}

/** The whole stage-1 initrd tree: /init, busybox and its applets, the modules and /insmod-list, /dev/console. */
export async function stage1Tree(input: Stage1TreeInput): Promise<DirNode> {
  const root = dir();
  for (const d of ['proc', 'sys', 'dev', 'mnt', 'tmp', 'run', 'distrokit']) root.children.set(d, dir());
  addPath(root, 'dev/console', { ...fixed(0o600), type: 'chardev', major: 5, minor: 1 });
  const text = (s: string) => {
    const data = new TextEncoder().encode(s);
    return { size: data.length, content: { kind: 'bytes' as const, data } };
  };
  addPath(root, 'init', { ...fixed(0o755), type: 'file', ...text(stage1Script(input)) });
  addPath(root, 'distrokit/command', { ...fixed(0o755), type: 'file', ...text(`${input.command ?? 'true'}\n`) });
  addPath(root, 'bin/busybox', { ...fixed(0o755), type: 'file', ...input.busybox });
  for (const applet of BUSYBOX_APPLETS) addPath(root, `bin/${applet}`, { ...fixed(0o777), type: 'symlink', target: 'busybox' });
  const closure = input.closure;
  const list = closure ? closure.modules.map((m) => `/lib/modules/${closure.version}/${m.path}\n`).join('') : '';
  addPath(root, 'insmod-list', { ...fixed(0o644), type: 'file', ...text(list) });
  if (closure) {
    for (const m of closure.modules) {
      addPath(root, `lib/modules/${closure.version}/${m.path}`, { ...fixed(0o644), type: 'file', ...(await closure.files.fileContent(m.path)) });
    }
  }
  for (const { path, node } of input.extra ?? []) addPath(root, path, node);
  return root;
}
