"""Oracle for archive listings: Python's tarfile over a tar stream.

Usage: tar-listing.py deb FILE...   (each through `dpkg-deb --fsys-tarfile`)
       tar-listing.py tar FILE...   (each a tar, compressed or not)
Prints one JSON document {FILE: [row, ...]} with rows shaped like distrokit's
`archive list --json` rows.
"""
import hashlib, json, subprocess, sys, tarfile

TYPES = {tarfile.REGTYPE: 'file', tarfile.AREGTYPE: 'file', tarfile.CONTTYPE: 'file', tarfile.DIRTYPE: 'dir',
         tarfile.SYMTYPE: 'symlink', tarfile.LNKTYPE: 'hardlink', tarfile.CHRTYPE: 'chardev',
         tarfile.BLKTYPE: 'blockdev', tarfile.FIFOTYPE: 'fifo'}

def rows(tf):
    out = []
    for ti in tf:
        kind = TYPES[ti.type]
        mtime = ti.mtime
        row = {'path': ti.name, 'type': kind, 'mode': format(ti.mode & 0o7777, '04o'), 'uid': ti.uid, 'gid': ti.gid,
               'size': ti.size if kind == 'file' else 0, 'mtime': int(mtime // 1)}
        pax_mtime = ti.pax_headers.get('mtime')
        if pax_mtime and '.' in pax_mtime and not pax_mtime.startswith('-'):
            whole, frac = pax_mtime.split('.')
            row['mtime'] = int(whole)
            nsec = int((frac + '000000000')[:9])
            if nsec: row['mtimeNsec'] = nsec
        if ti.uname: row['uname'] = ti.uname
        if ti.gname: row['gname'] = ti.gname
        if kind in ('symlink', 'hardlink'): row['linkTarget'] = ti.linkname
        if kind in ('chardev', 'blockdev'):
            row['devMajor'] = ti.devmajor; row['devMinor'] = ti.devminor
        if kind == 'file':
            h = hashlib.sha256()
            f = tf.extractfile(ti)
            while True:
                b = f.read(1 << 20)
                if not b: break
                h.update(b)
            row['sha256'] = h.hexdigest()
        xattrs = [k[len('SCHILY.xattr.'):] for k in ti.pax_headers if k.startswith('SCHILY.xattr.')]
        if xattrs: row['xattrs'] = xattrs
        out.append(row)
    return out

def main():
    mode, files = sys.argv[1], sys.argv[2:]
    result = {}
    for path in files:
        if mode == 'deb':
            p = subprocess.Popen(['dpkg-deb', '--fsys-tarfile', path], stdout=subprocess.PIPE)
            with tarfile.open(fileobj=p.stdout, mode='r|') as tf:
                result[path] = rows(tf)
            p.stdout.read(); p.wait()
            if p.returncode != 0: raise SystemExit(f'dpkg-deb failed on {path}')
        else:
            with tarfile.open(path, mode='r|*') as tf:
                result[path] = rows(tf)
    json.dump(result, sys.stdout)

main()
