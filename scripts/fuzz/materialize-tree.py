#!/usr/bin/python3
"""Creates a host directory tree from the fuzzer's JSON operations (stdin).

Usage: materialize-tree.py ROOT < ops.json
Paths are hex-encoded bytes relative to ROOT, so names need not be UTF-8.
Operations the host refuses (a name longer than 255 bytes, an xattr the
kernel rejects) are skipped: the tree is whatever the host could hold.
"""
import json, os, socket, sys

root = os.fsencode(sys.argv[1])
ops = json.load(sys.stdin)
skipped = 0


def p(hexpath):
    return os.path.join(root, bytes.fromhex(hexpath))


for op in ops:
    kind = op['op']
    try:
        path = p(op['path'])
        if kind == 'dir':
            os.mkdir(path)
        elif kind == 'file':
            # O_EXCL: a name taken by an earlier FIFO must not block the open.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            with os.fdopen(fd, 'wb') as f:
                if op.get('sparse'):
                    f.truncate(op['size'])
                else:
                    f.write(bytes([op.get('fill', 0x61)]) * op['size'])
        elif kind == 'symlink':
            os.symlink(bytes.fromhex(op['target']), path)
        elif kind == 'hardlink':
            os.link(p(op['target']), path)
        elif kind == 'fifo':
            os.mkfifo(path)
        elif kind in ('chardev', 'blockdev'):
            import stat
            os.mknod(path, (stat.S_IFCHR if kind == 'chardev' else stat.S_IFBLK) | 0o600, os.makedev(op['major'], op['minor']))
        elif kind == 'socket':
            s = socket.socket(socket.AF_UNIX)
            s.bind(path)
            s.close()
        elif kind == 'xattr':
            os.setxattr(path, op['name'], bytes.fromhex(op['value']), follow_symlinks=False)
        elif kind == 'chmod':
            if not os.path.islink(path):
                os.chmod(path, op['mode'])
        elif kind == 'utime':
            os.utime(path, ns=(int(op['ns']), int(op['ns'])), follow_symlinks=False)
        elif kind == 'chown':
            os.lchown(path, op['uid'], op['gid'])
    except (OSError, ValueError, OverflowError, NotImplementedError, TypeError):
        skipped += 1
print(skipped)
