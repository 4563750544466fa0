import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addHostPaths, buildInitrd, libraryClosure } from '../../../src/initrd/index.js';
import type { DirNode } from '../../../src/tree/types.js';
import { tempDir, toBuffer } from './helpers.js';

let work: string;
beforeAll(() => {
  work = tempDir('libs');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Real paths ldd (the host's ld.so) loads for a program, interpreter included. */
function lddRealPaths(program: string): string[] {
  const out = execFileSync('ldd', [program]).toString();
  const paths = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /=>\s+(\/\S+)\s+\(/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) paths.add(realpathSync(m[1]!));
  }
  return [...paths].sort();
}

describe('ELF library closure vs ldd', () => {
  it.each(['/bin/ls', '/usr/bin/cpio', '/usr/bin/qemu-system-x86_64', '/usr/bin/bsdtar'])('%s on the host root', async (program) => {
    const closure = await libraryClosure('/', [program]);
    expect(closure.missing).toEqual([]);
    const libs = closure.objects.filter((p) => p !== realpathSync(program)).map((p) => realpathSync(p)).sort();
    expect(libs).toEqual(lddRealPaths(program));
    // Symlinks on the way (the merged-/usr /lib64 → usr/lib64 link, soname links) are kept for the copy.
    for (const p of closure.paths) expect(() => realpathSync(p)).not.toThrow();
  });

  it('an initrd tree with /bin/ls and its closure runs ls after extraction (chroot)', async () => {
    const closure = await libraryClosure('/', ['/bin/ls']);
    const tree: DirNode = { type: 'dir', perm: 0o755, uid: 0, gid: 0, mtime: { sec: 1, nsec: 0 }, children: new Map() };
    await addHostPaths(tree, '/', closure.paths);
    const dest = join(work, 'ls-root');
    mkdirSync(dest);
    execFileSync('cpio', ['-id', '--quiet'], { cwd: dest, input: await toBuffer(buildInitrd(tree, { compression: 'none' })) });
    mkdirSync(join(dest, 'probe'));
    expect(execFileSync('/usr/sbin/chroot', [dest, '/bin/ls', '/probe', '/'], { env: { PATH: '/bin' } }).toString()).toMatch(/probe/);
  });

  it('follows $ORIGIN RUNPATH inside a separate root and reports missing libraries', async () => {
    const root = join(work, 'root');
    mkdirSync(join(root, 'opt/app/lib'), { recursive: true });
    mkdirSync(join(root, 'opt/app/bin'), { recursive: true });
    // A real RUNPATH=$ORIGIN/../lib program and its library, built with the host C compiler (gcc is a listed test package).
    writeFileSync(join(work, 'lib.c'), 'int answer(void) { return 42; }\n');
    writeFileSync(join(work, 'main.c'), 'int answer(void); int main(void) { return answer(); }\n');
    execFileSync('cc', ['-shared', '-fPIC', '-Wl,-soname,libanswer.so.1', '-o', join(root, 'opt/app/lib/libanswer.so.1.0'), join(work, 'lib.c')]);
    symlinkSync('libanswer.so.1.0', join(root, 'opt/app/lib/libanswer.so.1'));
    execFileSync('cc', ['-o', join(root, 'opt/app/bin/main'), join(work, 'main.c'), join(root, 'opt/app/lib/libanswer.so.1.0'), '-Wl,-rpath,$ORIGIN/../lib', '-Wl,--enable-new-dtags']);
    const closure = await libraryClosure(root, ['/opt/app/bin/main']);
    expect(closure.paths).toContain('/opt/app/lib/libanswer.so.1');
    expect(closure.paths).toContain('/opt/app/lib/libanswer.so.1.0');
    expect(closure.objects).toContain('/opt/app/lib/libanswer.so.1.0');
    // libc and the interpreter are not in this root: reported, not invented.
    expect(closure.missing.map((m) => m.needed)).toContain('libc.so.6');
  });
});
