/**
 * The archive CLI commands, called as functions with stdout captured:
 * `archive list --json` against dpkg-deb + tarfile and rpm2cpio + bsdtar,
 * `archive extract` against dpkg-deb -x, `deb info` against dpkg-deb -f,
 * `rpm info` against rpm -qp --qf; usage errors.
 */
import { execFileSync, execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run as runArchive } from '../../../src/cli/archive.js';
import { UsageError } from '../../../src/cli/common.js';
import { main } from '../../../src/cli/main.js';
import { RPM_INFO_QUERYFORMAT } from '../../../src/cli/package-info.js';
import { debsCache, rpmsCache } from '../../helpers/cache.js';
import { distrokitInProcess } from '../../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'distrokit-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const deb = (name: string) => join(debsCache.pool, readdirSync(debsCache.pool).find((f) => f.startsWith(`${name}_`))!);
const rpm = join(rpmsCache.built, readdirSync(rpmsCache.built).find((f) => f.includes('.xz.'))!);

describe('distrokit archive / deb info / rpm info', () => {
  it('archive list --json on .debs equals dpkg-deb --fsys-tarfile | tarfile', async () => {
    const files = ['base-passwd', 'bash', 'tar'].map(deb);
    const oracle = JSON.parse(execFileSync('/usr/bin/python3', ['test/helpers/tar-listing.py', 'deb', ...files], { encoding: 'utf8', maxBuffer: 1 << 28 }));
    for (const file of files) {
      const { status: code, stdout: out } = await distrokitInProcess(() => runArchive(['list', '--json', file]));
      expect(code).toBe(0);
      const doc = JSON.parse(out);
      expect(doc).toMatchObject({ file, format: 'deb', compression: 'xz' });
      expect(doc.entries).toEqual(oracle[file]);
    }
  });

  it('archive list (text) shows one line per entry with the mode string', async () => {
    const { stdout: out } = await distrokitInProcess(() => runArchive(['list', deb('base-passwd')]));
    const lines = out.trim().split('\n');
    expect(lines.length).toBe(Number(execSync(`dpkg-deb -c '${deb('base-passwd')}' | wc -l`, { encoding: 'utf8' })));
    expect(lines[0]).toMatch(/^drwxr-xr-x root\/root +0 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \.$/);
  });

  it('archive extract of a .deb equals dpkg-deb -x; a non-empty target is refused', async () => {
    const ours = join(work, 'extract-ours');
    const theirs = join(work, 'extract-theirs');
    const { status: code } = await distrokitInProcess(() => runArchive(['extract', deb('tar'), ours]));
    expect(code).toBe(0);
    execSync(`mkdir -p ${theirs} && dpkg-deb -x '${deb('tar')}' ${theirs}`);
    // GNU tar creates symlinks at the very end (placeholders first), touching their directory
    // after its mtime was restored; so directories are compared without mtime here, and with it below.
    const inventory = (root: string) =>
      execSync(`cd ${root} && { find . ! -type d -printf '%y %m %U %G %s %T@ %p %l\\n'; find . -type d -printf '%y %m %U %G %p\\n'; } | LC_ALL=C sort`, {
        encoding: 'utf8',
      });
    expect(inventory(ours)).toBe(inventory(theirs));
    const listed = JSON.parse(execFileSync('/usr/bin/python3', ['test/helpers/tar-listing.py', 'deb', deb('tar')], { encoding: 'utf8' }))[deb('tar')];
    const dirTimes = execSync(`cd ${ours} && find . -type d -printf '%p %T@\\n' | LC_ALL=C sort`, { encoding: 'utf8' });
    const expectedDirTimes = listed
      .filter((r: { type: string }) => r.type === 'dir')
      .map((r: { path: string; mtime: number }) => `${r.path} ${r.mtime}.0000000000`)
      .sort((a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      .join('\n');
    expect(dirTimes.trim()).toBe(expectedDirTimes);
    execFileSync('diff', ['-r', '--no-dereference', ours, theirs]);
    const occupied = join(work, 'occupied');
    mkdirSync(occupied);
    writeFileSync(join(occupied, 'x'), 'x');
    await expect(runArchive(['extract', deb('tar'), occupied])).rejects.toMatchObject({ code: 'SINK_NOT_EMPTY' });
  });

  it('archive list --json on an .rpm lists the payload', async () => {
    const { stdout: out } = await distrokitInProcess(() => runArchive(['list', '--json', rpm]));
    const doc = JSON.parse(out);
    expect(doc).toMatchObject({ format: 'rpm', compression: 'xz' });
    const bsdtar = execSync(`rpm2cpio '${rpm}' | bsdtar -tf -`, { encoding: 'utf8' }).trim().split('\n');
    expect(doc.entries.map((e: { path: string }) => e.path)).toEqual(bsdtar);
  });

  it('deb info equals dpkg-deb -f; rpm info equals rpm -qp --qf', async () => {
    expect((await distrokitInProcess(() => main(['deb', 'info', deb('bash')]))).stdout).toBe(execFileSync('dpkg-deb', ['-f', deb('bash')], { encoding: 'utf8' }));
    expect((await distrokitInProcess(() => main(['rpm', 'info', rpm]))).stdout).toBe(execFileSync('rpm', ['-qp', '--qf', RPM_INFO_QUERYFORMAT, rpm], { encoding: 'utf8' }));
    const json = JSON.parse((await distrokitInProcess(() => main(['deb', 'info', '--json', deb('bash')]))).stdout);
    expect(json.fields.Package).toBe('bash');
    expect(json.controlFiles).toContain('postinst');
  });

  it('usage errors are UsageErrors (exit 2 through main), bad input is exit 1 with a typed error', async () => {
    await expect(runArchive(['list'])).rejects.toBeInstanceOf(UsageError);
    await expect(runArchive(['frobnicate'])).rejects.toBeInstanceOf(UsageError);
    const saved = process.stderr.write.bind(process.stderr);
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      expect(await main(['archive', 'list'])).toBe(2);
      const { status: code, stdout: out } = await distrokitInProcess(() => main(['archive', 'list', '--json', 'fixtures/tar/hostile/TAR_BAD_CHECKSUM.tar']));
      expect(code).toBe(1);
      expect(out).toContain('"code":"TAR_BAD_CHECKSUM"');
    } finally {
      process.stderr.write = saved;
    }
  });
});
