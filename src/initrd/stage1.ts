/**
 * Stage-1 init for running one command in a VM, in today's terms of the
 * seed's vm-run-stage1: mount proc/sys/devtmpfs, read the kernel command line,
 * load the module closure in order, then run the command and hand its output
 * and exit status to the host, and power off.
 *
 * Two transports:
 * - 'serial' (default): the root disk (or a tmpfs) is mounted at /mnt, ttyS1
 *   carries the command's stdout+stderr (raw), ttyS2 the exit status as
 *   decimal text (or "fail: reason" when stage 1 itself fails). Kernel
 *   command-line keys: distrokit.root=/dev/vda distrokit.fstype=ext4
 *   distrokit.rootflags=ro distrokit.command=/path distrokit.chroot=1
 *   distrokit.timeout=SECONDS.
 * - 'virtio-ports' (`runInVm`): named virtio-serial ports for stdout, stderr
 *   and status, and disks found by their virtio-blk serial (see
 *   virtioRunLines). Keys: distrokit.image=1 distrokit.in=1 distrokit.out=1
 *   distrokit.interactive=1 distrokit.fstype distrokit.command
 *   distrokit.timeout.
 * ttyS0 is the console (kernel and "stage1: …" lines) in both.
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

/** The virtio-blk serials by which stage 1 finds `runInVm`'s disks (/sys/block/vd*\/serial). */
export const VIRTIO_DISK_SERIALS = { root: 'distrokit-root', in: 'distrokit-in', out: 'distrokit-out' } as const;

/** The command's environment in an image (chroot): what a Debian root shell has. */
export const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * What stage 1 does after the modules are loaded with the 'virtio-ports'
 * transport, all switched by kernel command-line keys so that one initrd
 * serves every run:
 *
 * - distrokit.image=1: the disk with serial distrokit-root is mounted
 *   read-write at /mnt (the host decides copy-on-write or not) and the
 *   command runs chrooted into it, with proc, sysfs, /dev and /dev/pts
 *   mounted there and a clean environment (PATH, HOME=/root).
 * - distrokit.in=1: the disk distrokit-in (ext4) is mounted read-only at /in
 *   (in the chroot with an image).
 * - distrokit.out=1: /out is an empty tmpfs; after the command it is written
 *   as a tar stream (busybox tar: ustar with GNU long names) onto the raw disk
 *   distrokit-out, for the host to read back.
 * - distrokit.interactive=1: the same set-up, but an interactive shell on the
 *   console instead of the command (run-vm), and a rescue shell when stage 1
 *   fails.
 *
 * The command gets /dev/null as stdin and the named ports stdout and stderr.
 * At the end everything left is killed (kill -9 -1: PID 1 itself is spared),
 * every mount is undone (retrying while the dead release them), mount points
 * stage 1 created are removed again (a written image keeps no trace of them),
 * and only after a sync does the status reach the host: a status means the
 * output disk and the image are complete.
 */
function virtioRunLines(): string {
  const { stdout, stderr, status } = VIRTIO_PORT_NAMES;
  return `busybox --install -s /bin 2>/dev/null
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
# The device of the virtio-blk disk whose serial is $1, in $dev; retried, as the ports are.
find_disk() {
  n=0
  while :; do
    for b in /sys/block/vd*; do
      if [ "$(cat "$b/serial" 2>/dev/null)" = "$1" ] && [ -b "/dev/\${b##*/}" ]; then dev="/dev/\${b##*/}"; return 0; fi
    done
    n=$((n + 1))
    [ "$n" -gt $((timeout * 20)) ] && fail "no disk with serial $1 appeared"
    sleep 0.05
  done
}
mounted=
made=
# mount_at DIR ARGS…: mounts at DIR (created if missing, and then removed at the end).
mount_at() {
  d=$1
  shift
  if [ ! -d "$d" ]; then
    mkdir "$d" || fail "cannot create $d"
    made="$d $made"
  fi
  mount "$@" "$d" || fail "cannot mount $d"
  mounted="$d $mounted"
}
unmount() {
  n=0
  until umount "$1" 2>/dev/null; do
    n=$((n + 1))
    [ "$n" -gt 50 ] && return 1
    sleep 0.1
  done
}
# Kills every process but PID 1 and waits (up to 5 s) until none has an executable left.
kill_all() {
  kill -9 -1 2>/dev/null
  n=0
  while :; do
    alive=
    for p in /proc/[0-9]*; do [ "$p" != /proc/1 ] && [ -e "$p/exe" ] && alive=1; done
    [ -z "$alive" ] && return 0
    n=$((n + 1))
    [ "$n" -gt 50 ] && { echo "stage1: processes survived kill -9"; return 1; }
    sleep 0.1
  done
}
top=
if [ "$image" = 1 ]; then
  find_disk ${VIRTIO_DISK_SERIALS.root}
  mount -t "$fstype" -o rw "$dev" /mnt || fail "cannot mount the image ($dev)"
  top=/mnt
  mount_at /mnt/proc -t proc proc
  mount_at /mnt/sys -t sysfs sysfs
  mount_at /mnt/dev --bind /dev
  mount_at /mnt/dev/pts -t devpts devpts
fi
if [ "$want_in" = 1 ]; then
  find_disk ${VIRTIO_DISK_SERIALS.in}
  mount_at "$top/in" -t ext4 -o ro "$dev"
fi
if [ "$want_out" = 1 ]; then
  find_disk ${VIRTIO_DISK_SERIALS.out}
  outdev=$dev
  mount_at "$top/out" -t tmpfs -o mode=755 tmpfs
fi
if [ "$interactive" = 1 ]; then
  echo "stage1: interactive shell; exit it to finish the run"
  if [ -n "$top" ]; then
    interactive_shell env -i PATH=${IMAGE_PATH} HOME=/root TERM=linux /bin/chroot /mnt /bin/sh -i
  else
    interactive_shell sh -i
  fi
  status=$?
else
  port() { for p in /sys/class/virtio-ports/*; do [ "$(cat "$p/name" 2>/dev/null)" = "$1" ] && [ -c "/dev/\${p##*/}" ] && { echo "/dev/\${p##*/}"; return 0; }; done; return 1; }
  n=0
  until out=$(port ${stdout}) && err=$(port ${stderr}) && st=$(port ${status}); do
    n=$((n + 1))
    [ "$n" -gt 200 ] && fail "the virtio-serial ports did not appear"
    sleep 0.05
  done
  echo "stage1: running $command"
  if [ -n "$top" ]; then
    env -i PATH=${IMAGE_PATH} HOME=/root /bin/chroot /mnt /bin/sh -c "$(cat "$command")" < /dev/null > "$out" 2> "$err"
  else
    /bin/sh "$command" < /dev/null > "$out" 2> "$err"
  fi
  status=$?
fi
echo "stage1: exit status $status"
kill_all
if [ "$want_out" = 1 ]; then
  echo "stage1: writing /out"
  tar -cf "$outdev" -C "$top/out" . || fail "cannot write /out to its disk (more than the disk holds?)"
fi
for d in $mounted; do unmount "$d" || fail "cannot unmount $d"; done
for d in $made; do rmdir "$d" || fail "cannot remove $d"; done
if [ -n "$top" ]; then unmount /mnt || fail "cannot unmount the image"; fi
sync
echo "$status" > "$st"
poweroff -f
`;
}

/**
 * Functions of the 'virtio-ports' stage 1 that must exist from the start.
 * fail: said on the console (the host classifies it as VM_STAGE1_FAILED), a
 * rescue shell when interactive, then what is mounted is unmounted (or made
 * read-only) before the power goes off, so that an image is not left with a
 * dirty journal.
 */
const VIRTIO_FUNCTIONS = `# ARGS… as a session with a controlling terminal: /dev/hvc0 (run-vm's virtio console, where QEMU
# holds input back until the guest opens it; a serial port drops what arrives while the kernel sets
# it up), else the console.
interactive_shell() {
  n=0
  while [ ! -c /dev/hvc0 ] && [ "$n" -lt 100 ]; do
    n=$((n + 1))
    sleep 0.05
  done
  if [ -c /dev/hvc0 ]; then setsid -c "$@" <> /dev/hvc0 >&0 2>&1; else setsid cttyhack "$@"; fi
}
fail() {
  echo "stage1: FAILED: $*"
  if [ "$interactive" = 1 ]; then
    echo "stage1: rescue shell; exit it to power off"
    interactive_shell sh -i
  fi
  kill -9 -1 2>/dev/null
  sleep 0.2
  sync
  umount -a -r 2>/dev/null
  sync
  poweroff -f
}`;

const BUSYBOX_APPLETS = [
  'sh', 'mount', 'umount', 'mkdir', 'insmod', 'cat', 'echo', 'sleep', 'stty', 'poweroff', 'sync',
  'chroot', 'ls', 'test', '[', 'mknod', 'ln', 'grep', 'sed', 'tr', 'dmesg', 'cp',
];

/** One word for a POSIX shell, single-quoted. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The /init script. Module paths are read from /insmod-list at boot. */
export function stage1Script(options: Stage1Options = {}): string {
  const virtio = options.transport === 'virtio-ports';
  const args = Object.entries(options.moduleArgs ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([mod, arg]) => `      */${mod}.ko*) args=${shellQuote(arg)} ;;`)
    .join('\n');
  return `#!/bin/sh
# distrokit stage-1 init (generated).
export PATH=/bin
st=${virtio ? '/dev/null' : '/dev/ttyS2'}
interactive=0
${virtio ? VIRTIO_FUNCTIONS : 'fail() { echo "stage1: FAILED: $*"; echo "fail: $*" > "$st"; sync; poweroff -f; }'}
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev || fail "cannot mount devtmpfs"
root=${shellQuote(options.root ?? '')}
fstype=${shellQuote(options.fstype ?? 'ext4')}
rootflags=${shellQuote(options.rootflags ?? 'rw')}
command=/distrokit/command
chroot=${options.chroot ? 1 : 0}
timeout=${options.deviceTimeout ?? 30}
image=0
want_in=0
want_out=0
for o in $(cat /proc/cmdline); do
  case "$o" in
    distrokit.root=*) root="\${o#*=}" ;;
    distrokit.fstype=*) fstype="\${o#*=}" ;;
    distrokit.rootflags=*) rootflags="\${o#*=}" ;;
    distrokit.command=*) command="\${o#*=}" ;;
    distrokit.chroot=*) chroot="\${o#*=}" ;;
    distrokit.timeout=*) timeout="\${o#*=}" ;;
    distrokit.image=*) image="\${o#*=}" ;;
    distrokit.in=*) want_in="\${o#*=}" ;;
    distrokit.out=*) want_out="\${o#*=}" ;;
    distrokit.interactive=*) interactive="\${o#*=}" ;;
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
${virtio ? virtioRunLines() : serialRunLines()}`;
}

/** The 'serial' transport's run: root disk or tmpfs at /mnt, optional chroot, output on ttyS1, status on ttyS2. */
function serialRunLines(): string {
  return `if [ -n "$root" ]; then
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
out=/dev/ttyS1; err=/dev/ttyS1; st=/dev/ttyS2
for p in /dev/ttyS1 /dev/ttyS2; do stty -F "$p" raw -echo 2>/dev/null; done
echo "stage1: running $command"
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
